import GRDB

/// A login: what its refresh token stands for.
struct LoginSession: Sendable, Equatable {
    var refreshToken: String
    var refreshTokenID: String
    var sid: String
    var clientID: String
    var username: String
    var domain: String
}

/// The login sessions (`auth_session`, migration v3), beside the jobs, so refresh tokens and
/// revocations survive a restart. Its writes take the engine's `Database`.
struct SessionTable: Sendable {
    let database: any DatabaseWriter

    /// The insert alone, inside a caller's transaction (the group commit's).
    func saveSession(_ session: LoginSession, createdAt: Int64, _ db: Database) throws {
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
    func session(refreshToken: String) throws -> LoginSession? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM auth_session WHERE refresh_token = ? AND revoked = 0", arguments: [refreshToken]).map {
                LoginSession(
                    refreshToken: $0["refresh_token"], refreshTokenID: $0["refresh_token_id"], sid: $0["sid"], clientID: $0["client_id"],
                    username: $0["username"], domain: $0["domain"])
            }
        }
    }

    /// Revokes the session; returns its `sid`, or nil when the token is unknown.
    func revokeSession(refreshToken: String, _ db: Database) throws -> String? {
        let sid = try String.fetchOne(db, sql: "SELECT sid FROM auth_session WHERE refresh_token = ?", arguments: [refreshToken])
        try db.execute(sql: "UPDATE auth_session SET revoked = 1 WHERE refresh_token = ?", arguments: [refreshToken])
        return sid
    }

    func revokedSessionIDs() throws -> Set<String> {
        try database.read { db in Set(try String.fetchAll(db, sql: "SELECT sid FROM auth_session WHERE revoked = 1")) }
    }
}
