import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// CM's login (`POST /api/v1/auth/tokens`), the control API's admin tokens, and revocation.
extension TokenService {
    /// Answers a login body with CM's token response, or 401 code 5 for wrong credentials; a new
    /// session is saved on its own. The live server uses `checkLogin` and the group commit instead.
    func login(body: [UInt8], byControlAPI: Bool = false) throws -> String {
        let login = try checkLogin(body: body, byControlAPI: byControlAPI)
        if login.isNew { _ = try engine.perform(engine.loginCommand(login.session, createdAt: now(), response: login.response)) }
        return login.response
    }

    /// A checked login: its session (new for the password grant, stored for a refresh token) and
    /// the response to send once a new session is saved.
    struct CheckedLogin: Sendable {
        let session: LoginSession
        let isNew: Bool
        let response: String
    }

    /// Checks a login body and builds its answer without writing, so that the session can be saved
    /// with the next group commit: logins then share one WAL commit as starts do.
    /// `byControlAPI`: an admin token, which may act in a domain only stored data names.
    func checkLogin(body: [UInt8], byControlAPI: Bool = false) throws -> CheckedLogin {
        guard let document = try? JSONParser.parse(body), document.objectValue != nil else {
            throw AuthError.badRequest("Request body must be a JSON object with grant_type and credentials")
        }
        // Every member a client sends is a string but `renew_refresh_token`; `""` means not set
        // (Thales' Terraform provider sends `"domain": ""` and `"auth_domain": ""`).
        for name in Self.loginMembers {
            if let value = document[name], value.stringValue == nil {
                throw AuthError.invalidParameter(name, "expected a string, got \(value.typeName)")
            }
        }
        if let renew = document["renew_refresh_token"] {
            guard case .bool = renew else { throw AuthError.invalidParameter("renew_refresh_token", "expected a boolean, got \(renew.typeName)") }
        }
        func text(_ name: String) -> String? { document[name]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        // A body that carries `refresh_token` at all (even "") asks for the refresh grant.
        let grant = text("grant_type") ?? (document["refresh_token"] != nil ? "refresh_token" : "password")
        let session: LoginSession
        switch grant {
        case "password":
            // `name` is what some clients call the user (CM accepts both).
            // A user named "" is a wrong login (401), not a missing one.
            guard let username = text("username") ?? document["name"]?.stringValue ?? document["username"]?.stringValue,
                let password = document["password"]?.stringValue
            else {
                throw AuthError.badRequest("The password grant needs \"username\" (or \"name\") and \"password\"")
            }
            // `auth_domain_path` (Thales' Ansible modules send it) names the domain as a path, such as
            // `root/team-a`; as CM does, it wins over `domain` (chosen: its last part is the domain).
            let domain = Self.domain(fromPath: text("auth_domain_path")) ?? text("domain") ?? text("auth_domain") ?? Job.rootDomain
            guard currentAccounts.users[username] == password, byControlAPI ? knowsDomain(domain) : declaresDomain(domain) else {
                throw AuthError.wrongCredentials
            }
            // The session's two keys (the refresh token and `sid`) lead with the time, as job ids
            // do, so that each login's row lands at the end of both B-trees: at random places, every
            // login would dirty pages of its own and grow the log with each. The refresh token keeps
            // 26 random bytes after its 6 of time.
            let now = SystemClock().now()
            var random = SystemRandomNumberGenerator()
            let refreshToken = Hex.digits(now.keyMilliseconds, width: 12) + Hex.digits(Crypto.randomBytes(26))
            session = LoginSession(
                refreshToken: refreshToken, refreshTokenID: randomUUID(), sid: timeOrderedUUID(at: now, using: &random), clientID: randomUUID(),
                username: username, domain: domain)
        case "refresh_token":
            // A session of a user or domain no longer declared (removed at a restart) is refused
            // here, not answered with a token that every request then refuses.
            guard let token = text("refresh_token"), let found = try store.sessions.session(refreshToken: token),
                currentAccounts.users[found.username] != nil, declaresDomain(found.domain)
            else {
                throw AuthError.invalidRefreshToken
            }
            session = found
        default:
            throw AuthError.invalidParameter("grant_type", "\"\(grant)\" is not one of password, refresh_token")
        }
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("jwt", first: true)
        writer.string(issue(for: session))
        writer.key("duration")
        writer.raw(String(settings.tokenTTL))
        writer.key("token_type")
        writer.string("Bearer")
        writer.key("client_id")
        writer.string(session.clientID)
        writer.key("refresh_token_id")
        writer.string(session.refreshTokenID)
        writer.key("refresh_token")
        writer.string(session.refreshToken)
        writer.raw("}")
        return CheckedLogin(session: session, isNew: grant == "password", response: writer.text)
    }

    /// The string members of a login body, each checked for its type (`connection`, CM's name of
    /// the identity provider, is accepted and needs no provider here).
    static let loginMembers = [
        "grant_type", "username", "name", "password", "domain", "auth_domain", "auth_domain_path", "connection", "refresh_token",
    ]

    /// The domain a path such as `root/team-a` or `/team-a` names: its last part; nil for no path.
    static func domain(fromPath path: String?) -> String? {
        guard let path, !path.isEmpty else { return nil }
        return path.split(separator: "/").last.map(String.init) ?? Job.rootDomain
    }

    /// A JWT with CM's claims, in the order CM's tokens carry them.
    func issue(for session: LoginSession) -> String {
        if !declaresDomain(session.domain) { adoptedSessions.withLock { _ = $0.insert(session.sid) } }
        let issuedAt = now()
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("aud", first: true)
        writer.string(session.clientID)
        writer.key("sub")
        writer.string("local|" + Accounts.userID(session.username))
        writer.key("iss")
        writer.string("kylo")
        writer.key("acc")
        writer.string("kylo")
        writer.key("preferred_username")
        writer.string(session.username)
        writer.key("cust")
        writer.raw("{")
        writer.key("domain_id", first: true)
        writer.string(Accounts.domainID(session.domain))
        writer.key("groups")
        writer.stringArray(["admin"])
        writer.key("sid")
        writer.string(session.sid)
        writer.key("zone_id")
        writer.string(Accounts.rootDomainID)
        writer.raw("}")
        writer.key("jwtid")
        writer.string(randomUUID())
        writer.key("iat")
        writer.raw(String(issuedAt))
        writer.key("exp")
        writer.raw(String(issuedAt + Int64(settings.tokenTTL)))
        writer.raw("}")
        return JWT.sign(claims: writer.text, key: key)
    }

    /// `POST /__admin/tokens {"domain": "team-a"}`: a login answer for `admin` in that domain, with
    /// no password, for the dashboard and for tests that need a token quickly.
    func controlAPIToken(body: [UInt8]) throws -> String {
        let document = body.isEmpty ? JSONValue.object([]) : (try? JSONParser.parse(body)) ?? .null
        guard document.objectValue != nil else { throw AuthError.badRequest(#"Request body must be empty or {"domain": "<name>"}"#) }
        try document.rejectUnknownMembers(known: ["domain"])
        let domain = try document.optionalString("domain") ?? Job.rootDomain
        guard knowsDomain(domain) else { throw AuthError.unknownDomain(domain) }
        let username = currentAccounts.users.keys.contains("admin") ? "admin" : currentAccounts.users.keys.sorted().first ?? "admin"
        let credentials = JSONValue.object([
            ("grant_type", .string("password")), ("username", .string(username)),
            ("password", .string(currentAccounts.users[username] ?? "")), ("domain", .string(domain)),
        ])
        return try login(body: Array(credentials.jsonText.utf8), byControlAPI: true)
    }

    /// `POST /api/v1/auth/revoke {"token": <refresh token>}`: ends the session and every JWT it issued.
    func revoke(body: [UInt8]) throws {
        guard let token = (try? JSONParser.parse(body))?["token"]?.stringValue else {
            throw AuthError.badRequest("Request body must be {\"token\": \"<refresh token>\"}")
        }
        guard let sid = try engine.revoke(refreshToken: token) else { throw AuthError.unknownRefreshToken }
        revoked.withLock { _ = $0.insert(sid) }
    }
}
