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

/// CM's login (`POST /api/v1/auth/tokens`), bearer-token checks and revocation. Token times follow
/// the real clock even when jobs run on the manual one: client libraries compare `exp` with theirs.
package final class TokenService: Sendable {
    let settings: AuthSettings
    /// The settings' accounts plus those fixtures add, with their domains indexed.
    private let directory: Mutex<Directory>

    /// Accounts, and each domain by its id: a request's token names its domain by id, and finding
    /// it must not hash every declared name.
    private struct Directory {
        var accounts: Accounts
        var nameByID: [String: String] = [:]
        /// Domains named only by stored data (jobs, configurations) and declared by nothing now:
        /// the control API may still act in them, but no login may (a domain removed at a restart
        /// stays removed for logins, however much it stored).
        var adopted: Set<String> = []

        init(_ accounts: Accounts) {
            self.accounts = accounts
            index([Job.rootDomain] + accounts.domains)
        }

        mutating func index(_ names: [String]) {
            for name in names { nameByID[Accounts.domainID(name)] = name }
        }

        func knows(_ domain: String) -> Bool { nameByID[Accounts.domainID(domain)] == domain }

        func declares(_ domain: String) -> Bool { knows(domain) && !adopted.contains(domain) }
    }
    let key: [UInt8]
    let store: StoreReader
    /// Writes the sessions: a new one, a revocation.
    let engine: Engine
    /// Unix seconds now; injectable so that expiry is tested without waiting.
    let now: @Sendable () -> Int64
    let revoked: Mutex<Set<String>>
    /// The sessions of tokens this run issued in adopted domains (the control API's: no login
    /// may act there): the only tokens an adopted domain accepts. A token of an earlier run was
    /// told apart by its `iat` before, in whole seconds, and one issued in the second of a restart
    /// still read the removed domain's configurations.
    let adoptedSessions = Mutex<Set<String>>([])
    /// Tokens whose signature and claims were already checked: token → what the request needs.
    /// Expiry and revocation are still checked on every request; the cache only saves the
    /// base64, HMAC and JSON work, which a polling client would otherwise repeat each time.
    /// Verified tokens by the whole `Authorization` value that carried them: a request's token is
    /// found without copying it out of its header.
    private let verified = Mutex<[AuthorizationKey: VerifiedToken]>([:])
    private static let verifiedLimit = 10_000

    private struct VerifiedToken {
        let expiry: Int64
        let issuedAt: Int64
        let sid: String
        let domainID: String
        /// Who logged in: a user removed from the flags at a restart loses the tokens of before.
        let username: String
    }

    package init(settings: AuthSettings, key: [UInt8], engine: Engine, now: @escaping @Sendable () -> Int64 = TokenService.wallSeconds) throws {
        self.settings = settings
        self.directory = Mutex(Directory(settings.accounts))
        self.key = key
        self.store = engine.reader
        self.engine = engine
        self.now = now
        revoked = Mutex(try engine.reader.sessions.revokedSessionIDs())
    }

    /// Lets fixtures declare more users and domains.
    package func add(users: [String: String], domains: [String]) {
        directory.withLock { directory in
            directory.accounts.users.merge(users) { $1 }
            let added = domains.filter { $0 != Job.rootDomain && !directory.declares($0) }.uniqued()
            directory.adopted.subtract(added)
            directory.accounts.domains += added.filter { !directory.knows($0) }
            directory.index(added)
        }
    }

    /// Domains that only stored data names: the control API may act in them (its tokens, its
    /// lists); password and refresh logins may not, nor tokens issued before this start.
    func adopt(domains: [String]) {
        directory.withLock { directory in
            let found = domains.filter { $0 != Job.rootDomain && !directory.knows($0) }.uniqued()
            directory.adopted.formUnion(found)
            directory.index(found)
        }
    }

    /// Whether the domain is root or declared (flags, fixtures), not only named by stored data.
    func declaresDomain(_ name: String) -> Bool { directory.withLock { $0.declares(name) } }

    /// Back to the settings' accounts plus those `fixture` declares: what a test's fixture added
    /// goes with the reset, and so do the tokens of its users (a token's user must be known: every
    /// request asks the directory, so the verified signatures stay cached).
    func restoreAccounts(adding fixture: Fixture) {
        directory.withLock { $0 = Directory(settings.accounts) }
        add(users: fixture.users, domains: fixture.namedDomains)
    }

    var currentAccounts: Accounts { directory.withLock { $0.accounts } }

    /// Whether the domain is root or declared.
    func knowsDomain(_ name: String) -> Bool { directory.withLock { $0.knows(name) } }

    package static let wallSeconds: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    // MARK: - Requests

    /// The domain a request acts in: root when auth is off, else the bearer token's.
    func domain(authorization: String?) throws(AuthError) -> String {
        guard settings.enabled else { return Job.rootDomain }
        guard let authorization, !authorization.isEmpty else {
            throw .unauthorized("Authorization header is missing; send Authorization: Bearer <jwt>")
        }
        let token: VerifiedToken
        if let known = verified.withLock({ $0[AuthorizationKey(value: authorization)] }) {
            token = known
        } else {
            guard let jwt = Self.bearerToken(authorization) else { throw .unauthorized("Authorization header must be Bearer <jwt>") }
            token = try verifiedToken(jwt, authorization: authorization)
        }
        guard now() < token.expiry else { throw .unauthorized("Token is expired") }
        guard !revoked.withLock({ $0.contains(token.sid) }) else { throw .unauthorized("Token is revoked") }
        let (domain, userKnown, adopted) = directory.withLock { directory in
            let name = directory.nameByID[token.domainID]
            return (name, directory.accounts.users[token.username] != nil, name.map { directory.adopted.contains($0) } ?? false)
        }
        guard let domain else { throw .unauthorized("Token names an unknown domain") }
        guard userKnown else { throw .unauthorized("Token names a user who is no longer known") }
        // In a domain no longer declared only the control API's tokens of this run act.
        guard !adopted || adoptedSessions.withLock({ $0.contains(token.sid) }) else {
            throw .unauthorized("Token names a domain that is no longer declared")
        }
        return domain
    }

    /// The token after a `Bearer ` scheme (any case). Compared as bytes: counting the Characters
    /// of a 700-byte header walked every one of them, on every request.
    static func bearerToken(_ authorization: String) -> String? {
        let bytes = authorization.utf8
        guard bytes.count > 7, String(decoding: bytes.prefix(7), as: UTF8.self).caseInsensitiveEquals("Bearer ") else { return nil }
        return String(decoding: bytes.dropFirst(7).drop { $0 == 0x20 }, as: UTF8.self)
    }

    private func verifiedToken(_ jwt: String, authorization: String) throws(AuthError) -> VerifiedToken {
        let claims: JSONValue
        do {
            claims = try JWT.verify(jwt, key: key)
        } catch .badSignature {
            throw .unauthorized("Token signature is invalid")
        } catch {
            throw .unauthorized("Token is malformed")
        }
        guard let expiry = claims["exp"]?.intValue, let cust = claims["cust"], let sid = cust["sid"]?.stringValue,
            let domainID = cust["domain_id"]?.stringValue, let username = claims["preferred_username"]?.stringValue
        else { throw .unauthorized("Token is malformed") }
        let token = VerifiedToken(
            expiry: Int64(expiry), issuedAt: Int64(claims["iat"]?.intValue ?? 0), sid: sid, domainID: domainID, username: username)
        verified.withLock { cache in
            if cache.count >= Self.verifiedLimit { cache.removeAll(keepingCapacity: true) }
            cache[AuthorizationKey(value: authorization)] = token
        }
        return token
    }

}

/// An `Authorization` value as a key: equal as whole strings, hashed by its last 32 bytes (the
/// signature's end, which differs between any two tokens): hashing all of a 700-byte token was a
/// visible part of every request.
struct AuthorizationKey: Hashable {
    let value: String

    func hash(into hasher: inout Hasher) {
        var value = value
        value.withUTF8 { bytes in hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(32)))) }
    }
}
