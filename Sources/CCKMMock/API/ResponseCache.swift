import HTTPServer
import Synchronization

/// GET answers built once and served again until the store changes: polling clients ask for the
/// same list or job over and over. An entry is good while the store's `generation` is the one it
/// was built at; any write makes every entry stale.
final class ResponseCache: Sendable {
    private struct Entry {
        let generation: Int
        let response: HTTPResponse
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let limit: Int

    init(limit: Int = 4096) {
        self.limit = limit
    }

    /// The cached answer for `key`, or `build`'s, kept if the store did not change meanwhile.
    func response(for key: String, generation current: () -> Int, build: () throws -> HTTPResponse) rethrows -> HTTPResponse {
        let before = current()
        if let entry = entries.withLock({ $0[key] }), entry.generation == before {
            return entry.response
        }
        let response = try build()
        if response.status == 200, current() == before {
            entries.withLock { entries in
                if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
                entries[key] = Entry(generation: before, response: response)
            }
        }
        return response
    }
}
