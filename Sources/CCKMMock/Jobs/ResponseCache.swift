import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer
import Synchronization

/// GET answers built once and served again until their jobs change: polling clients ask for the
/// same list or job over and over. Every entry is built at its (domain, family)'s generation
/// (`JobGenerations`); a write to those jobs moves it, and the next lookup of the entry drops it.
/// Writes to other families or domains leave it.
/// Bounded in bytes, not entries: sixty `limit=-1` lists over a large store were 260 MB when the
/// bound was a count. Oldest entries go first when a new one needs room.
/// An answer is kept from its URL's second ask: a URL asked once (a page walked through, a query
/// with a fresh parameter) cost the cache an insertion and an eviction for nothing, a tenth of an
/// uncached list's time. A URL whose entry went stale is known, and kept again at once.
package final class ResponseCache: Sendable {
    /// The default bound: `--cache-size`'s default.
    public static let defaultBytes = 32 << 20

    fileprivate struct Entry {
        let response: HTTPResponse
        let bytes: Int
        let generation: Int
        /// When it was stored: its place in `order`.
        let stored: Int
    }

    fileprivate struct State {
        var entries: [String: Entry] = [:]
        /// Keys with when they were stored, oldest first. A key dropped as stale and kept again
        /// appears twice, the older place a ghost (its `stored` no longer the entry's); ghosts are
        /// swept when they outnumber the entries, so the list stays within a few times the
        /// entries (it grew by a key for every stale answer kept again, past `--cache-size`).
        var order: [(key: String, stored: Int)] = []
        var head = 0
        var stores = 0
        var bytes = 0
        /// Hashes of the keys asked once and not kept yet; emptied when it reaches `askedOnceLimit`.
        var askedOnce: Set<Int> = []
    }

    /// Keys remembered as asked once, at most: about 1 MB.
    static let askedOnceLimit = 65_536

    private let state = Mutex(State())
    /// Most bytes (keys and bodies) held at once; 0 turns caching off.
    let capacity: Int

    package init(capacity: Int = ResponseCache.defaultBytes) {
        self.capacity = max(0, capacity)
    }

    /// Bytes held now, entries, and places in the eviction order: for tests.
    var usage: (bytes: Int, entries: Int, order: Int) { state.withLock { ($0.bytes, $0.entries.count, $0.order.count - $0.head) } }

    /// The cached answer for `key`, or `build`'s, kept if its jobs did not change meanwhile;
    /// `current` is the generation of the jobs the answer is built from.
    func response(for key: String, generation current: () -> Int, build: () throws -> HTTPResponse) rethrows -> HTTPResponse {
        guard capacity > 0 else { return try build() }
        let before = current()
        let cached = state.withLock { state -> HTTPResponse? in
            guard let entry = state.entries[key] else { return nil }
            if entry.generation == before { return entry.response }
            state.entries[key] = nil
            state.bytes -= entry.bytes
            state.rememberAsked(key)
            return nil
        }
        if let cached { return cached }
        let response = try build()
        // An entry larger than an eighth of the cache would push out most of the others for one URL.
        let bytes = key.utf8.count + response.body.count + 64
        guard response.status == 200, bytes <= capacity / 8, current() == before else { return response }
        state.withLock { state in
            guard state.entries[key] == nil, state.askedBefore(key) else { return }
            while state.bytes + bytes > capacity, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if state.entries[oldest.key]?.stored == oldest.stored, let evicted = state.entries.removeValue(forKey: oldest.key) {
                    state.bytes -= evicted.bytes
                }
            }
            if state.order.count - state.head > 2 * state.entries.count + 1024 {
                state.order = state.order[state.head...].filter { state.entries[$0.key]?.stored == $0.stored }
                state.head = 0
            } else if state.head > 1024, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            state.stores += 1
            state.entries[key] = Entry(response: response, bytes: bytes, generation: before, stored: state.stores)
            state.order.append((key, state.stores))
            state.bytes += bytes
        }
        return response
    }
}

extension ResponseCache.State {
    /// Whether `key` was asked before (and forgets that it was, since it is kept now); if not,
    /// remembers that it was asked once.
    fileprivate mutating func askedBefore(_ key: String) -> Bool {
        if askedOnce.remove(key.hashValue) != nil { return true }
        rememberAsked(key)
        return false
    }

    fileprivate mutating func rememberAsked(_ key: String) {
        if askedOnce.count >= ResponseCache.askedOnceLimit { askedOnce.removeAll(keepingCapacity: true) }
        askedOnce.insert(key.hashValue)
    }
}
