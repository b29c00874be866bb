import GRDB

/// The store as everything but the engine sees it: reads on GRDB's `DatabaseReader`, never a
/// writer. The tables' writes take the `Database` of a transaction that only the engine opens, and
/// the edge neither imports GRDB nor sees its members, so "only the engine writes" is a type rule.
public final class StoreReader: Sendable {
    let database: any DatabaseReader
    /// Per (domain, family): what the response cache compares; moved by the engine's transactions.
    package let generations: JobGenerations
    package let sessions: SessionTable
    package let scheduler: SchedulerTable
    package let snapshots: SnapshotTable
    package let inventory: InventoryTable
    /// The event loops' own connections for the hot reads; nil for a `:memory:` store.
    let loop: LoopReaders?

    init(database: any DatabaseReader, file: String?, sessions: SessionTable) {
        self.database = database
        loop = file.map(LoopReaders.init(path:))
        let generations = JobGenerations()
        self.generations = generations
        self.sessions = sessions
        scheduler = SchedulerTable(database: database)
        snapshots = SnapshotTable(database: database, generations: generations)
        inventory = InventoryTable(database: database)
    }
}

extension StoreReader {
    /// `body` in one read transaction, as `database.read` runs it, begun and ended by statements
    /// the connection keeps prepared: GRDB's `read` compiles `BEGIN` and `COMMIT` again each time,
    /// which on an uncached list cost more than its count.
    func inReadTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try database.unsafeRead { db in
            try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
            do {
                let result = try body(db)
                try db.cachedStatement(sql: "COMMIT").execute()
                return result
            } catch {
                try? db.cachedStatement(sql: "ROLLBACK").execute()
                throw error
            }
        }
    }
}

extension DatabaseReader {
    /// `body` with a consistent view of the store, as `read` gives it: on a pool in a read
    /// transaction of a reader; on a `:memory:` store's one connection (`DatabaseQueue`) inside its
    /// serial queue, where no write can come between two statements. Not `read` there: GRDB wraps
    /// it in `PRAGMA query_only = 1` and `= 0`, and SQLite expires every prepared statement of the
    /// connection at each (a flag pragma), so every cached statement, the writer's too, was
    /// compiled again after each read (a reset to the docs fixture spent a third of its time so).
    func consistentRead<T>(_ body: (Database) throws -> T) throws -> T {
        if let queue = self as? DatabaseQueue { return try queue.unsafeRead(body) }
        return try read(body)
    }
}
