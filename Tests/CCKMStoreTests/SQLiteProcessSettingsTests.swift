import CCKMTestFixtures
import TestSupport
import Testing

@testable import CCKMStore

/// The process-wide setting is made through `sqlite3_config`'s address: once SQLite runs (a store
/// is open), SQLite itself answers a late call with `SQLITE_MISUSE`, which shows the call arrives.
@Suite(.inProcess()) struct SQLiteProcessSettingsTests {
    @Test func aLateCallReachesSQLiteAndIsRefused() throws {
        _ = try JobStore(location: .memory)
        #expect(SQLiteProcessSettings.configure(9, 0) == 21)  // SQLITE_CONFIG_MEMSTATUS; SQLITE_MISUSE
    }
}
