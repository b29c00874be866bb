import CCKMCore
import Dispatch
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where the store keeps its database.
public enum StoreLocation: Sendable, Equatable {
    /// `jobs.sqlite` in this directory (created if missing): WAL, a pool of readers, one writer.
    case directory(String)
    /// A throwaway database that lives as long as the process.
    case memory
}

/// The store found itself inconsistent; answered as a logged 500.
package enum StoreError: Error, Equatable {
    case missingDocument(seq: Int64)
    case corruptDocument(problems: [String])
    /// The disk (or the volume's quota) is full: nothing of the write was stored.
    case diskFull
    /// No such job (or snapshot); the text, when given, says which.
    case notFound(String?)
    /// The write contradicts what is stored (a job not in progress, a name taken), in words.
    case conflict(String)

    /// The store's word for an SQLite error callers act on (a full disk); any other error as it is.
    package static func translated(_ error: any Error) -> any Error {
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_FULL { return StoreError.diskFull }
        return error
    }
}

/// One page of a job list: the count of every match, and the matching jobs' JSON for this page.
package struct JobPage: Sendable, Equatable {
    package var total: Int
    package var documents: [String]
}

/// Jobs in SQLite through GRDB. Reads run concurrently on the pool's readers; writes are
/// serialized by GRDB's single writer. Every list query is answered from an index.
public final class JobStore: Sendable, TransactionalStore {
    public static let fileName = "jobs.sqlite"
    /// The writer, for the engine's transactions.
    package let database: any DatabaseWriter
    /// The same database for reads: what the edge is handed.
    package let reader: StoreReader
    /// The login sessions, in a database with a writer of their own.
    package let sessionStore: SessionStore
    package var generations: JobGenerations { reader.generations }
    package var sessions: SessionTable { reader.sessions }
    package var scheduler: SchedulerTable { reader.scheduler }
    package var snapshots: SnapshotTable { reader.snapshots }
    package var inventory: InventoryTable { reader.inventory }

    /// Checkpoints the log of a file store off the writer (none for `:memory:`); stopped while a
    /// bulk load leaves WAL (`bulkReplace(alone:)`).
    package let checkpointer: Mutex<WALCheckpointer?>
    /// Every commit, told: what the simulator sleeps on.
    package let commits = CommitSignal()
    /// The checkpointer's request that the writer checkpoint once itself.
    package let logRestart = LogRestart()
    /// The database file, nil for `:memory:`.
    package let file: String?

    /// Page cache per connection.
    package static let cacheKilobytes = 8_000

    /// A transaction on the writer's connection, which only the engine hands out (`Engine.onWriter`,
    /// `CommandQueue`): every write of the store runs in one of these. A full disk is tried once
    /// more after the WAL is checkpointed and truncated (the log is what grows between
    /// checkpoints), then reported as `StoreError.diskFull`; the transaction is rolled back either
    /// way. Then the generation moves (unless no job can have changed) and the log starts over if asked.
    package func transaction<T>(_ db: Database, changingJobs: Bool = true, _ body: (Database) throws -> T) throws -> T {
        defer {
            generations.commit(mayHaveChangedJobs: changingJobs)
            logRestart.checkpointIfDue(database)
            commits.signal()
            checkpointer.withLock { $0 }?.nudge()
        }
        func attempt() throws -> T {
            var result: T?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            return result!
        }
        do {
            return try attempt()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            _ = try? db.checkpoint(.truncate)
            do {
                return try attempt()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
                throw StoreError.diskFull
            }
        }
    }

    public convenience init(location: StoreLocation, readers: Int = 4) throws {
        try self.init(location: location, readers: readers, logRestartFrames: WALCheckpointer.defaultRestartFrames)
    }

    /// `logRestartFrames`: how long the log may run before the writer checkpoints; `checkpointEvery`
    /// nil: checkpoint rounds only when a test asks (`WALCheckpointer.checkpointNow`).
    package init(
        location: StoreLocation, readers: Int, logRestartFrames: Int, checkpointEvery: DispatchTimeInterval? = WALCheckpointer.interval
    ) throws {
        _ = SQLiteProcessSettings.applied
        var configuration = Configuration()
        configuration.maximumReaderCount = max(2, readers)
        configuration.busyMode = .timeout(StoreBusy.seconds)
        configuration.prepareDatabase { db in
            // WAL with NORMAL sync: a committed job survives the process being killed (only a power
            // loss could lose the last transactions), and commits need no fsync each.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A file store's log is checkpointed by `WALCheckpointer` from its own connection, so
            // no commit waits for a checkpoint's fsync; the automatic one (here for `:memory:`,
            // where it costs nothing) is off for files below. A full disk also checkpoints and
            // truncates the log (`transaction`), and the log is cut back to 64 MB when it starts over
            // (the size at which the writer checkpoints: a log reused in place is not zeroed again).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(location == .memory ? 4000 : 0)")
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
            // 8 MB of pages per connection (SQLite's default is 2 MB): the hot index slices of a
            // million-job store stay in memory.
            try db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKilobytes)")
            // Each write of a batch runs in a savepoint, which copies every page it changes first
            // into the statement journal; SQLite spills that journal to a temporary file past 64 KB,
            // and a batch of starts wrote more to it than to the WAL. In memory it is a copy, not a
            // system call (the bulk load's index build, which sorts through temporary files, sets FILE).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        switch location {
        case .memory:
            database = try DatabaseQueue(configuration: configuration)
            file = nil
            checkpointer = Mutex(nil)
        case .directory(let path):
            let file = path + "/" + Self.fileName
            try Self.createPrivately(file)
            database = try DatabasePool(path: file, configuration: configuration)
            self.file = file
            checkpointer = Mutex(try WALCheckpointer(path: file, restart: logRestart, restartFrames: logRestartFrames, every: checkpointEvery))
        }
        // A migration that builds an index over a large store sorts through temporary files: in
        // memory (the connection's setting, for the statement journals of its writes) its sort of
        // 1,000,000 jobs' target rows left the process 200 MB larger for as long as it ran.
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = FILE") }
        try StoreSchema.migrator.migrate(database)
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = MEMORY") }
        sessionStore = try SessionStore(location: location, jobsFile: file)
        reader = StoreReader(database: database, file: file, sessions: sessionStore.table)
    }

    /// Makes the database file readable by its owner only (it holds refresh tokens) before SQLite
    /// opens it; SQLite gives its `-wal`, `-shm` and `-journal` files the database file's mode.
    static func createPrivately(_ file: String) throws {
        let descriptor = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }  // SQLite's own open reports the problem in its words
        fchmod(descriptor, 0o600)
        close(descriptor)
    }

    /// Stores prepared jobs; `deletingFirst` false skips the look-up for a job of the same family
    /// and id, for a store known to hold none (the bulk path).
    package func replace(_ jobs: [PreparedJob], _ db: Database, deletingFirst: Bool = true) throws {
        // Many jobs, and the ones replaced may be other domains': every cached answer goes.
        generations.touchAll()
        for prepared in jobs {
            let job = prepared.planned.job
            if deletingFirst {
                // Cached: `db.execute(sql:)` would compile it again for every job of a large fixture.
                try db.cachedStatement(sql: "DELETE FROM job WHERE family = ? AND id = ?").execute(arguments: [job.family.name, job.id])
            }
            let seq = try insert(job, document: prepared.document, db)
            try insertSchedule(prepared.planned.schedule, seq: seq, db)
        }
    }

    @discardableResult
    package func insert(_ job: Job, document: String? = nil, _ db: Database) throws -> Int64 {
        let row = DirectBinding(
            try db.cachedStatement(
                sql: """
                    INSERT INTO job (family, domain, id, status, created_at, updated_at, completed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """), db)
        try row.text(1, job.family.name)
        try row.text(2, job.domain)
        try row.text(3, job.id)
        try row.text(4, job.status.rawValue)
        try row.integer(5, job.createdAt.nanoseconds)
        try row.integer(6, job.updatedAt.nanoseconds)
        try row.integer(7, job.completedAt?.nanoseconds)
        try row.run()
        let seq = db.lastInsertedRowID
        let stored = DirectBinding(try db.cachedStatement(sql: "INSERT INTO job_document (seq, document) VALUES (?, ?)"), db)
        try stored.integer(1, seq)
        try stored.text(2, document ?? job.json)
        try stored.run()
        let target = DirectBinding(
            try db.cachedStatement(
                sql: "INSERT INTO job_target (job, family, domain, value, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            db)
        // Each value once, found with a set: a scan of the values before each one made loading a
        // 20,000-target job take 8 s.
        var seen: Set<String> = []
        // The job's columns bound once; a reset keeps them, and only the value changes.
        try target.integer(1, seq)
        try target.text(2, job.family.name)
        try target.text(3, job.domain)
        try target.text(5, job.status.rawValue)
        try target.integer(6, job.createdAt.nanoseconds)
        try target.integer(7, job.updatedAt.nanoseconds)
        for value in job.filterValues where seen.insert(value).inserted {
            try target.text(4, value)
            try target.run()
        }
        return seq
    }

}

extension JobStore {
    /// Counts this start on the store: 1 on a new one, 2 on the next start, and so on.
    package func recordStart(at seconds: Int64, _ db: Database) throws -> Int {
        try db.execute(sql: "INSERT INTO server_start (at) VALUES (?)", arguments: [seconds])
        return Int(db.lastInsertedRowID)
    }
}
