import CCKMCore
import CCKMStore
import GRDB

/// The writes made before an engine runs on a store, through the same writer and transactions:
/// the count of a server's starts (its seed needs it before the engine exists), and the offline
/// generator's jobs (`cckm-mock generate`, no server).
extension Engine {
    /// Counts this start of a server on the store: 1 on a new one, 2 on the next, and so on.
    package static func recordStart(at seconds: Int64, on store: JobStore) throws -> Int {
        try store.database.writeWithoutTransaction { db in
            try store.transaction(db, changingJobs: false) { db in try store.recordStart(at: seconds, db) }
        }
    }

    /// Adds generated jobs known to be new (no id check), in transactions of `batch`. Returns how
    /// many were written.
    @discardableResult
    public static func insertGenerated<Jobs: Sequence>(_ jobs: Jobs, into store: JobStore, batch: Int = 10_000) throws -> Int
    where Jobs.Element == Job {
        var iterator = jobs.makeIterator()
        var written = 0
        var exhausted = false
        while !exhausted {
            try store.database.writeWithoutTransaction { db in
                try store.transaction(db) { db in
                    store.generations.touchAll()
                    for _ in 0..<batch {
                        guard let job = iterator.next() else {
                            exhausted = true
                            return
                        }
                        try store.insert(job, db)
                        written += 1
                    }
                }
            }
        }
        return written
    }
}
