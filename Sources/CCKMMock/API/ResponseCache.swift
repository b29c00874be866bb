import HTTPServer
import Synchronization

/// GET answers built once and served again until the store changes: polling clients ask for the
/// same list or job over and over. Every entry is built at one store `generation`; any write
/// moves it, and the next lookup or store drops every entry at once (they are all stale then).
/// Bounded in bytes, not entries: sixty `limit=-1` lists over a large store were 260 MB when the
/// bound was a count. Oldest entries go first when a new one needs room.
final class ResponseCache: Sendable {
    /// The default bound: `--cache-size`'s default.
    static let defaultBytes = 32 << 20

    private struct Entry {
        let response: HTTPResponse
        let bytes: Int
    }

    private struct State {
        var generation = -1
        var entries: [String: Entry] = [:]
        /// Keys in the order they were stored; a key may repeat after a rebuild (checked on eviction).
        var order: [String] = []
        var head = 0
        var bytes = 0

        mutating func clear(at generation: Int) {
            self = State()
            self.generation = generation
        }
    }

    private let state = Mutex(State())
    /// Most bytes (keys and bodies) held at once; 0 turns caching off.
    let capacity: Int

    init(capacity: Int = ResponseCache.defaultBytes) {
        self.capacity = max(0, capacity)
    }

    /// Bytes held now, and entries: for tests and the soak's report.
    var usage: (bytes: Int, entries: Int) { state.withLock { ($0.bytes, $0.entries.count) } }

    /// The cached answer for `key`, or `build`'s, kept if the store did not change meanwhile.
    func response(for key: String, generation current: () -> Int, build: () throws -> HTTPResponse) rethrows -> HTTPResponse {
        guard capacity > 0 else { return try build() }
        let before = current()
        let cached = state.withLock { state -> HTTPResponse? in
            if state.generation != before { state.clear(at: before) }
            return state.entries[key]?.response
        }
        if let cached { return cached }
        let response = try build()
        // An entry larger than an eighth of the cache would push out most of the others for one URL.
        let bytes = key.utf8.count + response.body.count + 64
        guard response.status == 200, bytes <= capacity / 8, current() == before else { return response }
        state.withLock { state in
            guard state.generation == before, state.entries[key] == nil else { return }
            while state.bytes + bytes > capacity, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let evicted = state.entries.removeValue(forKey: oldest) { state.bytes -= evicted.bytes }
            }
            if state.head > 1024, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            state.entries[key] = Entry(response: response, bytes: bytes)
            state.order.append(key)
            state.bytes += bytes
        }
        return response
    }
}
