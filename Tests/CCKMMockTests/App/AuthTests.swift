import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import CCKMMock

/// A settable token clock, so expiry is tested without waiting.
final class TokenClock: Sendable {
    let seconds = Atomic<Int64>(1_700_000_000)
    var now: @Sendable () -> Int64 { { self.seconds.load(ordering: .relaxed) } }
}

@Suite(.inProcess()) struct AuthTests {
    let clock = TokenClock()
    let app: InProcessApp
    let base = "/api/v1/cckm/aws/synchronization-jobs"

    init() throws {
        let settings = AuthSettings(accounts: Accounts(users: ["admin": "admin", "qa": "secret"], domains: ["team-a", "team-b"]), tokenTTL: 300)
        app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5), auth: settings, tokenClock: clock.now)
    }

    func login(_ body: String) throws -> Reply { try app.post("/api/v1/auth/tokens", body) }

    func token(domain: String? = nil) throws -> String {
        let body =
            domain.map { #"{"grant_type":"password","username":"admin","password":"admin","domain":"\#($0)"}"# }
            ?? #"{"grant_type":"password","username":"admin","password":"admin"}"#
        return try #require(try login(body).json["jwt"]?.stringValue)
    }

    @Test func passwordGrantAnswersAsCM() throws {
        let reply = try login(#"{"grant_type":"password","username":"qa","password":"secret"}"#)
        #expect(reply.status == 200)
        #expect(reply.json.objectValue?.map(\.key) == ["jwt", "duration", "token_type", "client_id", "refresh_token_id", "refresh_token"])
        #expect(reply.json["duration"]?.intValue == 300 && reply.json["token_type"]?.stringValue == "Bearer")
        let claims = try JWT.verify(reply.json["jwt"]!.stringValue!, key: Array(repeating: 7, count: 32))
        #expect(
            claims.objectValue?.map(\.key) == ["aud", "sub", "iss", "acc", "preferred_username", "cust", "jwtid", "iat", "exp"])
        #expect(claims["iss"]?.stringValue == "kylo" && claims["acc"]?.stringValue == "kylo")
        #expect(claims["sub"]?.stringValue == "local|" + Accounts.userID("qa") && claims["preferred_username"]?.stringValue == "qa")
        #expect(claims["aud"] == reply.json["client_id"])
        #expect(
            claims["cust"]?["domain_id"]?.stringValue == Accounts.rootDomainID && claims["cust"]?["zone_id"]?.stringValue == Accounts.rootDomainID)
        #expect(claims["cust"]?["groups"]?.arrayValue == [.string("admin")] && isUUID(claims["cust"]?["sid"]?.stringValue ?? ""))
        #expect(claims["iat"]?.intValue == 1_700_000_000 && claims["exp"]?.intValue == 1_700_000_300)
    }

    /// Both keys of a session lead with the time (so a login appends to the session table's
    /// B-trees instead of dirtying a page at random), and the refresh token is still 64 hex digits
    /// with 26 random bytes after the time.
    @Test func sessionKeysLeadWithTheTime() throws {
        let body = #"{"grant_type":"password","username":"admin","password":"admin"}"#
        var replies: [Reply] = []
        for _ in 0..<40 { replies.append(try login(body)) }
        let tokens = replies.compactMap { $0.json["refresh_token"]?.stringValue }
        let sids = try replies.map {
            try JWT.verify($0.json["jwt"]!.stringValue!, key: Array(repeating: 7, count: 32))["cust"]?["sid"]?.stringValue ?? ""
        }
        #expect(tokens.count == 40 && Set(tokens).count == 40 && Set(sids).count == 40)
        #expect(tokens.allSatisfy { $0.count == 64 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(Set(tokens.map { $0.dropFirst(12) }).count == 40, "the random part differs")
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let stamped = tokens.compactMap { UInt64($0.prefix(12), radix: 16) }
        #expect(stamped.allSatisfy { $0 <= now && now - $0 < 60_000 }, "milliseconds of the login")
        #expect(stamped == stamped.sorted() && sids.map { $0.prefix(13) } == sids.map { $0.prefix(13) }.sorted())
        #expect(sids.allSatisfy(isUUID))
    }

    @Test func refreshGrantKeepsTheRefreshToken() throws {
        let first = try login(#"{"username":"admin","password":"admin","domain":"team-a"}"#)
        clock.seconds.store(1_700_000_100, ordering: .relaxed)
        let refreshed = try login(#"{"grant_type":"refresh_token","refresh_token":"\#(first.json["refresh_token"]!.stringValue!)"}"#)
        #expect(refreshed.status == 200)
        #expect(refreshed.json["refresh_token"] == first.json["refresh_token"] && refreshed.json["client_id"] == first.json["client_id"])
        let claims = try JWT.verify(refreshed.json["jwt"]!.stringValue!, key: Array(repeating: 7, count: 32))
        #expect(claims["iat"]?.intValue == 1_700_000_100 && claims["cust"]?["domain_id"]?.stringValue == Accounts.domainID("team-a"))
    }

    @Test(arguments: [
        #"{"username":"admin","password":"nope"}"#, #"{"username":"ghost","password":"admin"}"#,
        #"{"username":"admin","password":"admin","domain":"unknown"}"#, #"{"username":"admin","password":"admin","auth_domain":"unknown"}"#,
    ])
    func wrongCredentialsAre401Code5(body: String) throws {
        let reply = try login(body)
        reply.expectError(
            status: 401, code: 5, codeDesc: "NCERRUnauthorizedAccess: Unauthorized access", messageContains: "Wrong username or password.")
    }

    @Test func unknownRefreshTokenIs401() throws {
        try login(#"{"grant_type":"refresh_token","refresh_token":"abc"}"#).expectError(
            status: 401, code: 5, codeDesc: "NCERRUnauthorizedAccess: Unauthorized access", messageContains: "Invalid refresh token.")
        try login(#"{"grant_type":"magic"}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "grant_type")
    }

    @Test func loginPathTakesATrailingSlash() throws {
        #expect(try app.post("/api/v1/auth/tokens/", #"{"username":"admin","password":"admin"}"#).status == 200)
    }

    @Test func everyBearerFailureIs401() throws {
        let good = try token()
        let otherKey = JWT.sign(claims: #"{"exp":9999999999,"cust":{"sid":"x","domain_id":"00000000-0000-0000-0000-000000000000"}}"#, key: [1])
        let cases: [(String?, String)] = [
            (nil, "Authorization header is missing"), ("Basic YWRtaW46YWRtaW4=", "must be Bearer"), ("Bearer", "must be Bearer"),
            ("Bearer not.a.token", "malformed"), ("Bearer " + otherKey, "signature is invalid"),
            ("Bearer " + good.dropLast(2) + "xx", "signature is invalid"), ("Bearer\t" + good, "must be Bearer"),
            ("Bearer\u{0}" + good, "must be Bearer"), ("Bearér " + good, "must be Bearer"),
        ]
        for (header, message) in cases {
            let reply = try app.send("GET", base, token: nil, authorization: header)
            reply.expectError(status: 401, code: 1, codeDesc: "NCERRUnauthorized: Unauthorized", messageContains: message)
            #expect(reply.headers["WWW-Authenticate"] == "Bearer")
        }
        #expect(try app.send("GET", base, token: good).status == 200)
        #expect(try app.send("GET", base, authorization: "bearer  " + good).status == 200, "scheme is case-insensitive")
    }

    @Test func tokensExpireAfterTheirTTL() throws {
        let jwt = try token()
        clock.seconds.store(1_700_000_299, ordering: .relaxed)
        #expect(try app.send("GET", base, token: jwt).status == 200)
        clock.seconds.store(1_700_000_300, ordering: .relaxed)
        try app.send("GET", base, token: jwt).expectError(
            status: 401, code: 1, codeDesc: "NCERRUnauthorized: Unauthorized", messageContains: "Token is expired")
    }

    @Test func revokedSessionsEndTheirTokens() throws {
        let reply = try login(#"{"username":"admin","password":"admin"}"#)
        let jwt = reply.json["jwt"]!.stringValue!
        #expect(try app.send("GET", base, token: jwt).status == 200)
        #expect(try app.post("/api/v1/auth/revoke", #"{"token":"\#(reply.json["refresh_token"]!.stringValue!)"}"#).status == 204)
        try app.send("GET", base, token: jwt).expectError(
            status: 401, code: 1, codeDesc: "NCERRUnauthorized: Unauthorized", messageContains: "Token is revoked")
        try login(#"{"grant_type":"refresh_token","refresh_token":"\#(reply.json["refresh_token"]!.stringValue!)"}"#).expectError(
            status: 401, code: 5, codeDesc: "NCERRUnauthorizedAccess: Unauthorized access", messageContains: "Invalid refresh token.")
    }

    @Test func domainsAreTenants() throws {
        let a = try token(domain: "team-a")
        let b = try token(domain: "team-b")
        let root = try token()
        let started = try app.send("POST", base, body: #"{"kms":["k"]}"#, token: a)
        #expect(started.status == 201)
        let id = started.json["id"]!.stringValue!
        #expect(try app.send("POST", base, body: #"{"kms":["k"]}"#, token: b).status == 201, "one running job per family per domain")

        #expect(try app.send("GET", base, token: a).total == 1)
        #expect(try app.send("GET", base, token: b).ids != [id])
        #expect(try app.send("GET", base + "?id=" + id, token: b).total == 0)
        #expect(try app.send("GET", base, token: root).total == 0)
        try app.send("GET", base + "/" + id, token: b).expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
        try app.send("POST", base + "/" + id + "/cancel", token: b).expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
        #expect(try app.send("POST", base + "/" + id + "/cancel", token: a).status == 200)
    }

    @Test func authOffActsAsRoot() throws {
        let open = try InProcessApp(jobs: [TestJobs.make(JobFamily.named("aws")!, 1), TestJobs.make(JobFamily.named("aws")!, 2, domain: "team-a")])
        #expect(try open.get(base).ids == [TestJobs.id(1)])
    }

    /// Issue 31 #11: a domain removed at a restart came back for logins if it had stored anything.
    @Test func aDomainRemovedAtARestartStaysRemovedForLoginsWhateverItStored() throws {
        let store = StoreLocation.directory(try Paths.temporaryDirectory())
        let before = AuthSettings(accounts: Accounts(users: ["admin": "admin"], domains: ["team-x"]), tokenTTL: 300)
        let first = try InProcessApp(store: store, auth: before)
        let password = #"{"grant_type":"password","username":"admin","password":"admin","domain":"team-x"}"#
        let login = try first.post("/api/v1/auth/tokens", password)
        let jwt = try #require(login.json["jwt"]?.stringValue)
        let refresh = try #require(login.json["refresh_token"]?.stringValue)
        let config =
            #"{"name":"x","operation":"cckm_synchronization","run_at":"0 0 * * *","cckm_synchronization_params":{"cloud_name":"aws","kms":["k"]}}"#
        #expect(try first.send("POST", "/api/v1/scheduler/job-configs", body: config, token: jwt).status == 201)
        // Restarted a little later without --domain team-x, on the same store.
        let later = TokenService.wallSeconds() + 10
        let after = AuthSettings(accounts: Accounts(users: ["admin": "admin"], domains: []), tokenTTL: 300)
        let second = try InProcessApp(store: store, auth: after, tokenClock: { later })
        try second.app.control.adoptDomainsOfStoredJobs()
        #expect(try second.post("/api/v1/auth/tokens", password).status == 401, "password login")
        #expect(try second.post("/api/v1/auth/tokens", #"{"grant_type":"refresh_token","refresh_token":"\#(refresh)"}"#).status == 401)
        #expect(try second.send("GET", "/api/v1/scheduler/job-configs", token: jwt).status == 401, "the JWT of before")
        // The control API still acts in a domain its stored data names.
        let admin = try #require(try second.post("/__admin/tokens", #"{"domain":"team-x"}"#).json["jwt"]?.stringValue)
        #expect(try second.send("GET", "/api/v1/scheduler/job-configs", token: admin).total == 1)
    }
}
