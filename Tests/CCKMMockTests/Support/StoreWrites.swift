import GRDB

@testable import CCKMCore
@testable import CCKMEngine
@testable import CCKMMock
@testable import CCKMStore

/// Writes a test makes on a store of its own, with no engine running on it: on the writer, in
/// the store's transactions, as the engine's handlers make them.
extension JobStore {
    func write<T>(changingJobs: Bool = true, _ body: (Database) throws -> T) throws -> T {
        try database.writeWithoutTransaction { db in try transaction(db, changingJobs: changingJobs, body) }
    }

    /// Stores the jobs, replacing any job of the same family and id, in one transaction.
    func replace(_ jobs: [Job]) throws {
        try replace(jobs.map { PlannedJob(job: $0) })
    }

    /// Stores the jobs with their schedules, replacing any job of the same family and id.
    func replace(_ jobs: [PlannedJob]) throws {
        try write { db in try replace(jobs.map { PreparedJob($0) }, db) }
    }

    func deleteJobs(domain: String? = nil) throws {
        try write { db in try deleteJobs(domain: domain, db) }
    }

    func restoreSnapshot(_ name: String) throws -> Timestamp {
        try write { db in try snapshots.restoreSnapshot(name, db) }
    }

    func bulkReplace(alone: Bool, _ produce: Produce) throws {
        try database.writeWithoutTransaction { db in try bulkReplace(alone: alone, db, produce) }
    }
}

extension StoreReader {
    /// Moves on every committed write that may have changed a job, in any (domain, family).
    var generation: Int {
        generations.state.withLock { state in state.all + state.pairs.values.reduce(0, +) }
    }
}
