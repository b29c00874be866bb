import CCKMCore
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The login sessions in a database of their own (`sessions.sqlite` beside `jobs.sqlite`), with a
/// writer of their own: a login's commit never waits behind a batch of job completions on the
/// jobs' writer, and refresh tokens and revocations still survive a restart.
package final class SessionStore: Sendable, TransactionalStore {
    package static let fileName = "sessions.sqlite"
    /// The writer, for the engine's login and revocation commands.
    package let database: any DatabaseWriter
    /// Reads for the edge (`StoreReader.sessions`).
    package let table: SessionTable
    /// As the jobs' store does (`WALCheckpointer`): the log is checkpointed from a connection of
    /// its own, so no login's commit waits for a checkpoint's fsync; none for `:memory:`.
    private let checkpointer: WALCheckpointer?
    private let logRestart = LogRestart()

    /// Opens (or creates) the sessions' database in `location`. A folder whose sessions are still
    /// in `jobs.sqlite` (builds before this one kept them there, migration v3) has them copied over
    /// when `sessions.sqlite` is first made, so a refresh token issued before the upgrade still works.
    init(location: StoreLocation, jobsFile: String?) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(StoreBusy.seconds)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(location == .memory ? 4000 : 0)")
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
        }
        switch location {
        case .memory:
            database = try DatabaseQueue(configuration: configuration)
            checkpointer = nil
            try Self.migrator.migrate(database)
        case .directory(let path):
            let file = path + "/" + Self.fileName
            let isNew = access(file, F_OK) != 0
            try JobStore.createPrivately(file)
            database = try DatabasePool(path: file, configuration: configuration)
            checkpointer = try WALCheckpointer(path: file, restart: logRestart)
            try Self.migrator.migrate(database)
            if isNew, let jobsFile {
                try database.writeWithoutTransaction { db in
                    try db.execute(sql: "ATTACH DATABASE ? AS jobs", arguments: [jobsFile])
                    defer { try? db.execute(sql: "DETACH DATABASE jobs") }
                    try db.inTransaction {
                        try db.execute(sql: "INSERT OR IGNORE INTO auth_session SELECT * FROM jobs.auth_session")
                        return .commit
                    }
                }
            }
        }
        table = SessionTable(database: database)
    }

    /// Literal, never changed once shipped; the table is the one migration v3 of the jobs' store made.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 login sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE auth_session (
                        refresh_token TEXT PRIMARY KEY,
                        refresh_token_id TEXT NOT NULL,
                        sid TEXT NOT NULL UNIQUE,
                        client_id TEXT NOT NULL,
                        username TEXT NOT NULL,
                        domain TEXT NOT NULL,
                        revoked INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }

    /// A transaction on the sessions' writer: a full disk is reported as `StoreError.diskFull`.
    package func transaction<T>(_ db: Database, changingJobs: Bool, _ body: (Database) throws -> T) throws -> T {
        defer {
            logRestart.checkpointIfDue(database)
            checkpointer?.nudge()
        }
        var result: T?
        do {
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
        } catch {
            throw StoreError.translated(error)
        }
        return result!
    }
}

/// A database the engine's command queue writes in batches: its writer, and the transaction
/// every batch runs in.
package protocol TransactionalStore: Sendable {
    var database: any DatabaseWriter { get }
    func transaction<T>(_ db: Database, changingJobs: Bool, _ body: (Database) throws -> T) throws -> T
}
