import GRDBSQLite
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Read-only connections to the store's file outside GRDB's pool, one per thread slot, each with
/// its statements prepared once: the hot reads (a list page, a job by id) of libmicrohttpd's
/// event-loop threads. A read through GRDB's pool took a lock and a semaphore to borrow a reader
/// and a `DispatchQueue.sync` onto it, and GRDB's argument and row values around each statement;
/// here a thread takes its own slot's lock, which no other thread holds in the common case.
///
/// A thread keeps its slot (`ThreadSlot`); threads that share a slot wait for each other, so the
/// count only bounds how many connections are open. A `:memory:` store has no file to open a
/// second connection on: it reads through GRDB (`StoreReader.loop` is nil), the same SQL.
final class LoopReaders: Sendable {
    /// Connections at most: libmicrohttpd's loops (one per core) with room for the threads that
    /// read beside them (control calls, waiters).
    static let slots = 8

    let path: String
    private let slots: [Slot]

    /// A connection behind its lock (`Mutex` is not copyable: an array holds it in a class).
    private final class Slot: Sendable {
        let connection = Mutex<LoopConnection?>(nil)
    }

    init(path: String) {
        self.path = path
        slots = (0..<Self.slots).map { _ in Slot() }
    }

    /// `body` in one read transaction on the calling thread's connection (opened on first use).
    func read<T: Sendable>(_ body: (LoopConnection) throws -> T) throws -> T {
        try slots[ThreadSlot.current % Self.slots].connection.withLock { slot throws -> T in
            if slot == nil { slot = try LoopConnection(path: path) }
            return try slot!.inReadTransaction(body)
        }
    }
}

/// A small number per thread, given on its first ask and kept for its life: which of
/// `LoopReaders`' slots it reads on.
enum ThreadSlot {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    private static let given = Atomic<Int>(0)

    static var current: Int {
        if let stored = pthread_getspecific(key) { return Int(bitPattern: stored) - 1 }
        let slot = given.add(1, ordering: .relaxed).oldValue
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: slot + 1))
        return slot
    }
}

/// An SQLite error of a loop connection, with the statement it came from.
package struct SQLiteFailure: Error, CustomStringConvertible {
    package let code: Int32
    package let message: String
    package let sql: String

    package var description: String { "SQLite error \(code): \(message) (\(sql))" }
}

/// One read-only SQLite connection and its prepared statements, by SQL text.
/// `@unchecked Sendable`: it is only reached inside its slot's lock (`LoopReaders.read`), so one
/// thread at a time uses it, as SQLite's `NOMUTEX` mode requires.
final class LoopConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    /// Every read's own statements, kept outside the dictionary: hashing their text cost more
    /// than running them.
    private var begin: OpaquePointer?
    private var commit: OpaquePointer?
    private var documentBySeq: OpaquePointer?

    init(path: String) throws {
        var opened: OpaquePointer?
        let code = sqlite3_open_v2(path, &opened, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(opened)
            throw SQLiteFailure(code: code, message: message, sql: "open \(path)")
        }
        handle = opened
        sqlite3_busy_timeout(handle, Int32(StoreBusy.seconds * 1000))
        sqlite3_exec(handle, "PRAGMA cache_size = -\(JobStore.cacheKilobytes)", nil, nil, nil)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    func inReadTransaction<T>(_ body: (LoopConnection) throws -> T) throws -> T {
        if begin == nil { (begin, commit) = (try statement("BEGIN DEFERRED TRANSACTION"), try statement("COMMIT")) }
        try run(begin!)
        do {
            let result = try body(self)
            try run(commit!)
            return result
        } catch {
            if let rollback = try? statement("ROLLBACK") { _ = try? run(rollback) }
            throw error
        }
    }

    /// The statement for `sql`, prepared on first use and kept (reset, its bindings cleared).
    func statement(_ sql: String) throws -> OpaquePointer {
        if let prepared = statements[sql] { return prepared }
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard code == SQLITE_OK, let prepared else { throw failure(code, sql) }
        statements[sql] = prepared
        return prepared
    }

    /// `statement` bound to `values` (texts) from the first parameter on, then `integers`.
    func bound(_ sql: String, texts: [String], integers: [Int64] = []) throws -> OpaquePointer {
        let prepared = try statement(sql)
        sqlite3_reset(prepared)
        var index: Int32 = 1
        for text in texts {
            var text = text
            let code = text.withUTF8 { bytes -> Int32 in
                guard let base = bytes.baseAddress else { return sqlite3_bind_text(prepared, index, "", 0, Self.transient) }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite3_bind_text(prepared, index, $0, Int32(bytes.count), Self.transient)
                }
            }
            guard code == SQLITE_OK else { throw failure(code, sql) }
            index += 1
        }
        for integer in integers {
            let code = sqlite3_bind_int64(prepared, index, integer)
            guard code == SQLITE_OK else { throw failure(code, sql) }
            index += 1
        }
        return prepared
    }

    /// `SELECT document FROM job_document WHERE seq = ?`, bound to `seq`.
    func document(seq: Int64) throws -> OpaquePointer {
        if documentBySeq == nil { documentBySeq = try statement("SELECT document FROM job_document WHERE seq = ?") }
        let prepared = documentBySeq!
        sqlite3_reset(prepared)
        let code = sqlite3_bind_int64(prepared, 1, seq)
        guard code == SQLITE_OK else { throw failure(code, "SELECT document FROM job_document WHERE seq = ?") }
        return prepared
    }

    /// Steps to the next row: true on a row, false when done.
    func step(_ prepared: OpaquePointer) throws -> Bool {
        switch sqlite3_step(prepared) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let sql = String(cString: sqlite3_sql(prepared))
            sqlite3_reset(prepared)
            throw failure(code, sql)
        }
    }

    /// Runs a statement without rows.
    private func run(_ prepared: OpaquePointer) throws {
        sqlite3_reset(prepared)
        while try step(prepared) {}
        sqlite3_reset(prepared)
    }

    func int64(_ prepared: OpaquePointer, _ column: Int32) -> Int64 { sqlite3_column_int64(prepared, column) }

    /// A column's bytes, appended to `bytes` without a `String` in between.
    func append(_ prepared: OpaquePointer, _ column: Int32, to bytes: inout [UInt8]) {
        let count = Int(sqlite3_column_bytes(prepared, column))
        guard count > 0, let start = sqlite3_column_blob(prepared, column) else { return }
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count))
    }

    func text(_ prepared: OpaquePointer, _ column: Int32) -> String {
        guard let start = sqlite3_column_text(prepared, column) else { return "" }
        return String(
            decoding: UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(prepared, column))), as: UTF8.self)
    }

    /// Ends a statement's use: its read of the snapshot stops, and it is ready for its next.
    func done(_ prepared: OpaquePointer) { sqlite3_reset(prepared) }

    private func failure(_ code: Int32, _ sql: String) -> SQLiteFailure {
        SQLiteFailure(code: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// SQLite's `SQLITE_TRANSIENT`: copy the bound bytes (a macro Swift does not import).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
