import CCKMCore
import Synchronization

/// How far the jobs of each (domain, family) have changed, for what is built from them (the API's
/// response cache): a transaction moves the pairs whose job rows it wrote, or every pair at once
/// when it replaced what it cannot name (a reset, a restore, a bulk load). A write to one family's
/// jobs leaves the cached lists of the other families and of the other domains alone.
package final class JobGenerations: Sendable {
    struct State {
        /// Moves every pair.
        package var all = 0
        package var pairs: [String: Int] = [:]
        /// What the transaction under way wrote (the writer's alone, between `touch` and `commit`).
        package var touched: Set<String> = []
        package var touchedAll = false
    }

    let state = Mutex(State())

    /// Moves on every committed write that may have changed a job, in any (domain, family).
    package var anyChange: Int {
        state.withLock { state in state.all + state.pairs.values.reduce(0, +) }
    }

    private static func key(_ family: String, _ domain: String) -> String { domain + "\u{0}" + family }

    /// The pair's generation: it only grows, and grows whenever a committed write changed one of its jobs.
    package func current(family: JobFamily, domain: String) -> Int {
        let key = Self.key(family.name, domain)
        return state.withLock { $0.all + ($0.pairs[key] ?? 0) }
    }

    /// A job row of the pair is being written.
    package func touch(family: String, domain: String) {
        let key = Self.key(family, domain)
        state.withLock { _ = $0.touched.insert(key) }
    }

    /// Job rows that no pair names are being written (many at once, or deleted by a condition).
    package func touchAll() {
        state.withLock { $0.touchedAll = true }
    }

    /// After a transaction (committed or not: a move too many only rebuilds a cached answer):
    /// what it touched moves; when it may have changed a job and named none, everything does.
    package func commit(mayHaveChangedJobs: Bool) {
        state.withLock { state in
            if state.touchedAll || (mayHaveChangedJobs && state.touched.isEmpty) {
                state.all += 1
            } else {
                for key in state.touched { state.pairs[key, default: 0] += 1 }
            }
            state.touched = []
            state.touchedAll = false
        }
    }
}
