import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// SQLite's settings for the whole process, made before its first connection opens.
enum SQLiteProcessSettings {
    /// Turns off SQLite's count of the memory it holds (`SQLITE_CONFIG_MEMSTATUS`): with it on,
    /// every allocation of every connection takes one process-wide mutex, and two event loops
    /// reading at once waited on it in most requests (two futex calls a list, in `strace`). Nothing
    /// here reads the count (`sqlite3_memory_used`, a soft heap limit).
    ///
    /// `sqlite3_config` is variadic, which Swift does not call: its address is called as a
    /// two-integer function, which the x86-64 and AArch64 Linux calling conventions pass alike.
    /// Refused (`SQLITE_MISUSE`) once SQLite is initialized; then the count stays on, which only
    /// costs time.
    static let applied: Bool = configure(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK

    /// `sqlite3_config(option, value)`: SQLite's answer, nil when the symbol is missing.
    static func configure(_ option: Int32, _ value: Int32) -> Int32? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sqlite3_config") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)(option, value)
    }
}
