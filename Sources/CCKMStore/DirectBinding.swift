import GRDB
import GRDBSQLite

/// A GRDB statement run with its arguments bound through SQLite's own API: for the inserts a job
/// takes (its row, document, target values and schedule), GRDB's argument values, their checks and
/// its bookkeeping around each execution cost a bulk load more than SQLite's inserts themselves.
/// The statement stays GRDB's (cached, finalized by it); GRDB binds all of its arguments again
/// whenever it runs the statement itself.
struct DirectBinding {
    private let statement: OpaquePointer
    private let connection: OpaquePointer?

    init(_ statement: Statement, _ db: Database) {
        self.statement = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(self.statement)
    }

    func text(_ index: Int32, _ value: String) throws {
        var value = value
        let code = value.withUTF8 { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return sqlite3_bind_text(statement, index, "", 0, Self.transient) }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(statement, index, $0, Int32(bytes.count), Self.transient)
            }
        }
        try check(code)
    }

    func integer(_ index: Int32, _ value: Int64) throws { try check(sqlite3_bind_int64(statement, index, value)) }

    func integer(_ index: Int32, _ value: Int64?) throws {
        try check(value.map { sqlite3_bind_int64(statement, index, $0) } ?? sqlite3_bind_null(statement, index))
    }

    /// Steps to the end and resets; an error as GRDB reports one (`DatabaseError`, its code kept
    /// for the callers that act on it, a full disk).
    func run() throws {
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite3_step(statement) }
        sqlite3_reset(statement)
        try check(code == SQLITE_DONE ? SQLITE_OK : code)
    }

    private func check(_ code: Int32) throws {
        guard code != SQLITE_OK else { return }
        throw DatabaseError(
            resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) },
            sql: String(cString: sqlite3_sql(statement)))
    }

    /// SQLite's `SQLITE_TRANSIENT`: copy the bound bytes (a macro Swift does not import).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
