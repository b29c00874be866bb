import CCKMCore
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import GRDB
import TestSupport
import Testing

@testable import CCKMEngine
@testable import CCKMMock

/// Login sessions live in `sessions.sqlite`, with a writer of their own (issue 36).
@Suite(.inProcess()) struct SessionStoreTests {
    static let login = #"{"grant_type":"password","username":"admin","password":"admin"}"#

    /// A login commits while the jobs' writer is held by something long (a batch of completions).
    @Test func aLoginDoesNotWaitForTheJobsWriter() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true))
        let answered = try app.app.engine.store.database.writeWithoutTransaction { _ in
            try app.post("/api/v1/auth/tokens", Self.login)
        }
        #expect(answered.status == 200)
        let token = try #require(answered.json["refresh_token"]?.stringValue)
        #expect(try app.app.store.sessions.session(refreshToken: token) != nil)
        let inJobsFile = try app.app.engine.store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM auth_session") }
        #expect(inJobsFile == 0, "the jobs' database keeps no session")
    }

    /// A folder whose sessions an earlier build kept in `jobs.sqlite` has them copied over when
    /// `sessions.sqlite` is first made: a refresh token issued before the upgrade still logs in.
    @Test func sessionsOfAnEarlierBuildAreKept() throws {
        let folder = try Paths.temporaryDirectory()
        do {
            let earlier = try JobStore(location: .directory(folder))
            try earlier.write(changingJobs: false) { db in
                try db.execute(
                    sql: """
                        INSERT INTO auth_session (refresh_token, refresh_token_id, sid, client_id, username, domain, created_at)
                        VALUES ('old-refresh', 'old-id', 'old-sid', 'client', 'admin', 'root', 1)
                        """)
            }
        }
        try FileManager.default.removeItem(atPath: folder + "/" + SessionStore.fileName)
        let upgraded = try JobStore(location: .directory(folder))
        #expect(try upgraded.reader.sessions.session(refreshToken: "old-refresh")?.sid == "old-sid")
        let mode = try FileManager.default.attributesOfItem(atPath: folder + "/" + SessionStore.fileName)[.posixPermissions] as? Int
        #expect(mode == 0o600, "refresh tokens are readable by their owner only")
    }
}
