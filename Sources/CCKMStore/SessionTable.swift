import CCKMCore
import GRDB

/// A login: what its refresh token stands for.
package struct LoginSession: Sendable, Equatable {
    package var refreshToken: String
    package var refreshTokenID: String
    package var sid: String
    package var clientID: String
    package var username: String
    package var domain: String

    package init(refreshToken: String, refreshTokenID: String, sid: String, clientID: String, username: String, domain: String) {
        self.refreshToken = refreshToken
        self.refreshTokenID = refreshTokenID
        self.sid = sid
        self.clientID = clientID
        self.username = username
        self.domain = domain
    }
}

/// The login sessions (`auth_session` in `SessionStore`'s database), so that refresh tokens and
/// revocations survive a restart. Its writes take the `Database` of the engine's sessions writer.
package struct SessionTable: Sendable {
    let database: any DatabaseReader

    /// The insert alone, inside a caller's transaction (the group commit's).
    package func saveSession(_ session: LoginSession, createdAt: Int64, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO auth_session (refresh_token, refresh_token_id, sid, client_id, username, domain, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                session.refreshToken, session.refreshTokenID, session.sid, session.clientID, session.username, session.domain, createdAt,
            ])
    }

    /// The session of a refresh token that was not revoked.
    package func session(refreshToken: String) throws -> LoginSession? {
        try database.consistentRead { db in
            try Row.fetchOne(db, sql: "SELECT * FROM auth_session WHERE refresh_token = ? AND revoked = 0", arguments: [refreshToken]).map {
                LoginSession(
                    refreshToken: $0["refresh_token"], refreshTokenID: $0["refresh_token_id"], sid: $0["sid"], clientID: $0["client_id"],
                    username: $0["username"], domain: $0["domain"])
            }
        }
    }

    /// Revokes the session; returns its `sid`, or nil when the token is unknown.
    package func revokeSession(refreshToken: String, _ db: Database) throws -> String? {
        let sid = try String.fetchOne(db, sql: "SELECT sid FROM auth_session WHERE refresh_token = ?", arguments: [refreshToken])
        try db.execute(sql: "UPDATE auth_session SET revoked = 1 WHERE refresh_token = ?", arguments: [refreshToken])
        return sid
    }

    package func revokedSessionIDs() throws -> Set<String> {
        try database.consistentRead { db in Set(try String.fetchAll(db, sql: "SELECT sid FROM auth_session WHERE revoked = 1")) }
    }
}
