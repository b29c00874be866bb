import HTTPServer
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// CM's login (`POST /api/v1/auth/tokens`), bearer-token checks and revocation. Token times follow
/// the real clock even when jobs run on the manual one: client libraries compare `exp` with theirs.
public final class TokenService: Sendable {
    public let settings: AuthSettings
    /// The settings' accounts plus those fixtures add, with their domains indexed.
    private let directory: Mutex<Directory>

    /// Accounts, and each domain by its id: a request's token names its domain by id, and hashing
    /// every declared name to find it took 176 ms a request with 60,000 domains.
    private struct Directory {
        var accounts: Accounts
        var nameByID: [String: String] = [:]

        init(_ accounts: Accounts) {
            self.accounts = accounts
            index([Job.rootDomain] + accounts.domains)
        }

        mutating func index(_ names: [String]) {
            for name in names { nameByID[Accounts.domainID(name)] = name }
        }

        func knows(_ domain: String) -> Bool { nameByID[Accounts.domainID(domain)] == domain }
    }
    let key: [UInt8]
    let store: JobStore
    /// Unix seconds now; injectable so that expiry is tested without waiting.
    let now: @Sendable () -> Int64
    private let revoked: Mutex<Set<String>>
    /// Tokens whose signature and claims were already checked: token → what the request needs.
    /// Expiry and revocation are still checked on every request; the cache only saves the
    /// base64, HMAC and JSON work, which a polling client would otherwise repeat each time.
    private let verified = Mutex<[String: VerifiedToken]>([:])
    private static let verifiedLimit = 10_000

    private struct VerifiedToken {
        let expiry: Int64
        let sid: String
        let domainID: String
    }

    public init(settings: AuthSettings, key: [UInt8], store: JobStore, now: @escaping @Sendable () -> Int64 = TokenService.wallSeconds) throws {
        self.settings = settings
        self.directory = Mutex(Directory(settings.accounts))
        self.key = key
        self.store = store
        self.now = now
        revoked = Mutex(try store.revokedSessionIDs())
    }

    /// Lets fixtures declare more users and domains.
    public func add(users: [String: String], domains: [String]) {
        directory.withLock { directory in
            directory.accounts.users.merge(users) { $1 }
            let added = domains.filter { $0 != Job.rootDomain && !directory.knows($0) }.uniqued()
            directory.accounts.domains += added
            directory.index(added)
        }
    }

    public var currentAccounts: Accounts { directory.withLock { $0.accounts } }

    /// Whether the domain is root or declared.
    public func knowsDomain(_ name: String) -> Bool { directory.withLock { $0.knows(name) } }

    public static let wallSeconds: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    // MARK: - Login

    /// Answers a login body with CM's token response, or 401 code 5 for wrong credentials.
    public func login(body: [UInt8]) throws -> String {
        guard let document = try? JSONParser.parse(body), document.objectValue != nil else {
            throw AuthError.badRequest("Request body must be a JSON object with grant_type and credentials")
        }
        let grant = document["grant_type"]?.stringValue ?? (document["refresh_token"] != nil ? "refresh_token" : "password")
        let session: LoginSession
        switch grant {
        case "password":
            guard let username = document["username"]?.stringValue, let password = document["password"]?.stringValue else {
                throw AuthError.badRequest("The password grant needs \"username\" and \"password\"")
            }
            // `auth_domain_path` (Thales' Ansible modules send it) names the domain as a path, such as
            // `root/team-a`; as CM does, it wins over `domain` (chosen: its last part is the domain).
            let domain =
                Self.domain(fromPath: document["auth_domain_path"]?.stringValue) ?? document["domain"]?.stringValue
                ?? document["auth_domain"]?.stringValue ?? Job.rootDomain
            guard currentAccounts.users[username] == password, knowsDomain(domain.isEmpty ? Job.rootDomain : domain) else {
                throw AuthError.wrongCredentials
            }
            session = LoginSession(
                refreshToken: Crypto.randomBytes(32).map { String($0, radix: 16).leftPadded(2) }.joined(), refreshTokenID: randomUUID(),
                sid: randomUUID(), clientID: randomUUID(), username: username, domain: domain.isEmpty ? Job.rootDomain : domain)
            try store.saveSession(session, createdAt: now())
        case "refresh_token":
            guard let token = document["refresh_token"]?.stringValue, let found = try store.session(refreshToken: token) else {
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
        return writer.text
    }

    /// The domain a path such as `root/team-a` or `/team-a` names: its last part; nil for no path.
    static func domain(fromPath path: String?) -> String? {
        guard let path, !path.isEmpty else { return nil }
        return path.split(separator: "/").last.map(String.init) ?? Job.rootDomain
    }

    /// A JWT with CM's claims, in the order CM's tokens carry them.
    func issue(for session: LoginSession) -> String {
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
    public func adminToken(body: [UInt8]) throws -> String {
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
        return try login(body: Array(credentials.jsonText.utf8))
    }

    // MARK: - Requests

    /// The domain a request acts in: root when auth is off, else the bearer token's.
    public func domain(authorization: String?) throws(AuthError) -> String {
        guard settings.enabled else { return Job.rootDomain }
        guard let authorization, !authorization.isEmpty else {
            throw .unauthorized("Authorization header is missing; send Authorization: Bearer <jwt>")
        }
        guard let jwt = Self.bearerToken(authorization) else { throw .unauthorized("Authorization header must be Bearer <jwt>") }
        let token = try verifiedToken(jwt)
        guard now() < token.expiry else { throw .unauthorized("Token is expired") }
        guard !revoked.withLock({ $0.contains(token.sid) }) else { throw .unauthorized("Token is revoked") }
        guard let domain = directory.withLock({ $0.nameByID[token.domainID] }) else { throw .unauthorized("Token names an unknown domain") }
        return domain
    }

    /// The token after a `Bearer ` scheme (any case). Compared as bytes: counting the Characters
    /// of a 700-byte header walked every one of them, on every request.
    static func bearerToken(_ authorization: String) -> String? {
        let bytes = authorization.utf8
        guard bytes.count > 7, String(decoding: bytes.prefix(7), as: UTF8.self).caseInsensitiveEquals("Bearer ") else { return nil }
        return String(decoding: bytes.dropFirst(7).drop { $0 == 0x20 }, as: UTF8.self)
    }

    private func verifiedToken(_ jwt: String) throws(AuthError) -> VerifiedToken {
        if let known = verified.withLock({ $0[jwt] }) { return known }
        let claims: JSONValue
        do {
            claims = try JWT.verify(jwt, key: key)
        } catch .badSignature {
            throw .unauthorized("Token signature is invalid")
        } catch {
            throw .unauthorized("Token is malformed")
        }
        guard let expiry = claims["exp"]?.intValue, let cust = claims["cust"], let sid = cust["sid"]?.stringValue,
            let domainID = cust["domain_id"]?.stringValue
        else { throw .unauthorized("Token is malformed") }
        let token = VerifiedToken(expiry: Int64(expiry), sid: sid, domainID: domainID)
        verified.withLock { cache in
            if cache.count >= Self.verifiedLimit { cache.removeAll(keepingCapacity: true) }
            cache[jwt] = token
        }
        return token
    }

    /// `POST /api/v1/auth/revoke {"token": <refresh token>}`: ends the session and every JWT it issued.
    public func revoke(body: [UInt8]) throws {
        guard let token = (try? JSONParser.parse(body))?["token"]?.stringValue else {
            throw AuthError.badRequest("Request body must be {\"token\": \"<refresh token>\"}")
        }
        guard let sid = try store.revokeSession(refreshToken: token) else { throw AuthError.unknownRefreshToken }
        revoked.withLock { _ = $0.insert(sid) }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
