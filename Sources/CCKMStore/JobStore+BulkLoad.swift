import CCKMCore
import GRDB

extension JobStore {
    /// Stores every job `produce` hands to its `insert` closure, replacing jobs of the same family
    /// and id, in one transaction: a large fixture loads whole or not at all (a throw from
    /// `produce` rolls everything back, nothing half-loaded is ever served).
    ///
    /// When the store holds no job at the start (a fresh store, or after a reset) the load takes
    /// the bulk path (`appendToEmptyStore`). `alone` says that nothing else uses the store yet
    /// (start-up): the bulk path then writes through a rollback journal instead of the WAL. Into
    /// an empty store that journal holds only the few pages that existed, while the WAL would
    /// take every page of the load and copy it into the database again at the checkpoint.
    ///
    /// `db` is the writer's connection outside any transaction (`Engine.onWriter`): the transaction
    /// is this function's, so that the journal mode can change around it.
    package func bulkReplace(alone: Bool, _ db: Database, _ produce: Produce, afterRows: AfterRows = { _ in }) throws {
        // The pool's idle readers would keep the store from leaving WAL.
        // So would the checkpointer's connection: closed for the load, opened again after it.
        if alone, let pool = database as? DatabasePool {
            pool.invalidateReadOnlyConnections()
            checkpointer.withLock { $0?.stop() }
        }
        defer {
            if alone, file != nil {
                let restarted = checkpointer.withLock { stopped -> WALCheckpointer? in
                    stopped = try? stopped?.reopened()
                    return stopped
                }
                // Without it the writer checkpoints again, rather than let the log grow unbounded.
                if restarted == nil { try? db.execute(sql: "PRAGMA wal_autocheckpoint = 4000") }
            }
        }
        guard try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM job)") ?? false else {
            // Known to hold jobs: the row-by-row path, without asking again.
            try transaction(db) { db in
                try produce { batch in try replace(batch, db) }
                try afterRows(db)
            }
            return
        }
        let leftWAL = try alone && database is DatabasePool && String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") == "delete"
        do {
            try transaction(db) { db in try appendToEmptyStore(produce, afterRows, db) }
        } catch {
            if leftWAL { try? db.execute(sql: "PRAGMA journal_mode = WAL") }
            throw error
        }
        if leftWAL { try db.execute(sql: "PRAGMA journal_mode = WAL") }
    }

    /// `bulkReplace` inside a transaction the caller holds (a reset's, which deleted the jobs first
    /// in it): the bulk path when the store holds no job now, the row-by-row one otherwise. SQLite's
    /// DDL is transactional, so a failure rolls the dropped indexes back with the rows.
    /// `jobs`: how many the load stores, when known (nil: a JSON Lines stream). Below
    /// `bulkPathJobs` the rows go in one by one: dropping and building the indexes again, and the
    /// schema change that makes every connection prepare its statements again, cost a small load
    /// (a test's reset to its fixture) far more than they save.
    package func bulkReplace(in db: Database, jobs: Int? = nil, _ produce: Produce, afterRows: AfterRows = { _ in }) throws {
        if jobs.map({ $0 >= Self.bulkPathJobs }) ?? true, try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM job)") ?? false {
            try appendToEmptyStore(produce, afterRows, db)
        } else {
            try produce { batch in try replace(batch, db) }
            try afterRows(db)
        }
    }

    /// What a bulk load stores: `produce` hands the jobs to its `insert` closure, a batch at a time.
    package typealias Produce = (_ insert: ([PreparedJob]) throws -> Void) throws -> Void
    /// Runs in the load's transaction once its rows are stored; on the bulk path before the list
    /// indexes are built, where changing a job moves no index entry (a start-up's settling).
    package typealias AfterRows = (Database) throws -> Void

    /// Loads of fewer jobs than this (and of a known count) take the row-by-row path.
    package static let bulkPathJobs = 10_000

    /// SQLite's journal mode (`wal` for a file store once it is open), for checks.
    package func journalMode() throws -> String {
        try database.consistentRead { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// The bulk path: the list indexes, the id index and the count trigger are dropped, the rows
    /// appended, then the indexes built again and the counts taken once. Measured on 1,000,000
    /// generated jobs: 105 s keeping the indexes (even with a 256 MB page cache), 58 s dropping
    /// and rebuilding them.
    private func appendToEmptyStore(_ produce: Produce, _ afterRows: AfterRows, _ db: Database) throws {
        for statement in [StoreSchema.uniqueJobIndex] + StoreSchema.listIndexes {
            try db.execute(sql: "DROP INDEX \(StoreSchema.indexName(statement))")
        }
        for trigger in StoreSchema.countTriggers {
            try db.execute(sql: "DROP TRIGGER \(StoreSchema.triggerName(trigger))")
        }
        try produce { batch in try replace(batch, db, deletingFirst: false) }
        // A small cache and sorter threads: SQLite then sorts in small runs, several at once, and
        // merges them. Measured on the seven indexes of 1,000,000 jobs: 16.4 s with 32 MB of cache
        // and no threads, 10.3 s with 500 KB, 6.9 s with 500 KB and four threads.
        // The sort runs spill to temporary files, and SQLite sorts in one thread when those are in memory.
        try db.execute(
            sql: "PRAGMA cache_size = -\(Self.indexBuildCacheKilobytes); PRAGMA threads = \(Self.indexBuildThreads); PRAGMA temp_store = FILE")
        defer { try? db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKilobytes); PRAGMA threads = 0; PRAGMA temp_store = MEMORY") }
        // A job's own target rows first: `afterRows` may change a job's status, whose trigger
        // updates them (a scan of every target row per job without it). Settling there, before the
        // other indexes, took 1.5 s for the 1,000,000-job fixture's last 14,000 due jobs, against
        // 3.4 s once all seven indexes were built.
        try db.execute(sql: StoreSchema.jobTargetIndex)
        try afterRows(db)
        for statement in StoreSchema.listIndexes where statement != StoreSchema.jobTargetIndex { try db.execute(sql: statement) }
        try createUniqueJobIndexKeepingLatest(db)
        try db.execute(sql: StoreSchema.recount)
        for trigger in StoreSchema.countTriggers { try db.execute(sql: trigger) }
    }

    package static let indexBuildCacheKilobytes = 500
    package static let indexBuildThreads = 4

    /// The unique id index; when a fixture held the same family and id twice, the later job wins
    /// (as it does on the row-by-row path) and the earlier ones go first.
    private func createUniqueJobIndexKeepingLatest(_ db: Database) throws {
        do {
            try db.execute(sql: StoreSchema.uniqueJobIndex)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            try db.execute(
                sql: """
                    CREATE INDEX job_by_id_and_seq ON job(family, id, seq);
                    DELETE FROM job WHERE EXISTS (
                        SELECT 1 FROM job AS later WHERE later.family = job.family AND later.id = job.id AND later.seq > job.seq);
                    DROP INDEX job_by_id_and_seq;
                    """)
            try db.execute(sql: StoreSchema.uniqueJobIndex)
        }
    }
}

/// A job ready for the store: planned, its JSON rendered (which a bulk load does on the reading
/// thread, off the writer's).
package struct PreparedJob: Sendable {
    package var planned: PlannedJob
    package var document: String

    package init(_ planned: PlannedJob, document: String? = nil) {
        self.planned = planned
        self.document = document ?? planned.job.json
    }
}
