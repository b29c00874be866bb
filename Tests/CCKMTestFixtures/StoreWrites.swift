import CCKMCore
import CCKMStore
import GRDB

/// Writes a test makes on a store of its own, with no engine running on it: on the writer, in
/// the store's transactions, as the engine's handlers make them.
extension JobStore {
    package func write<T>(changingJobs: Bool = true, _ body: (Database) throws -> T) throws -> T {
        try database.writeWithoutTransaction { db in try transaction(db, changingJobs: changingJobs, body) }
    }

    /// Stores the jobs, replacing any job of the same family and id, in one transaction.
    package func replace(_ jobs: [Job]) throws {
        try replace(jobs.map { PlannedJob(job: $0) })
    }

    /// Stores the jobs with their schedules, replacing any job of the same family and id.
    package func replace(_ jobs: [PlannedJob]) throws {
        try write { db in try replace(jobs.map { PreparedJob($0) }, db) }
    }

    package func deleteJobs(domain: String? = nil) throws {
        try write { db in try deleteJobs(domain: domain, db) }
    }

    package func restoreSnapshot(_ name: String) throws -> Timestamp {
        try write { db in try snapshots.restoreSnapshot(name, db) }
    }

    package func bulkReplace(alone: Bool, _ produce: Produce) throws {
        try database.writeWithoutTransaction { db in try bulkReplace(alone: alone, db, produce) }
    }
}

extension StoreReader {
    /// Moves on every committed write that may have changed a job, in any (domain, family).
    package var generation: Int {
        generations.anyChange
    }
}
