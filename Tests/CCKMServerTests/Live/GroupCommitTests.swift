import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Starts, cancels and logins are committed in groups on the live server; each still answers as if alone.
@Suite(.live()) struct GroupCommitTests {
    @Test func concurrentStartsAllCommitWithTheirOwnIDs() async throws {
        let live = try LiveServer(fixtures: [], simulator: SimulatorSettings(allowConcurrentJobs: true))
        let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
            for index in 0..<120 {
                group.addTask { try await live.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v\#(index)"]}"#) }
            }
            return try await group.reduce(into: [Reply]()) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0.status == 201 })
        #expect(Set(replies.compactMap { $0.json["id"]?.stringValue }).count == 120)
        #expect(try await live.get("/api/v1/cckm/oci/synchronization-jobs?limit=0").total == 120)
        #expect(try await live.get("/__admin/requests/count?method=POST").json["count"]?.intValue == 120)
    }

    @Test func concurrentLoginsCommitTogetherAndSurviveARestart() async throws {
        let first = try LiveServer(fixtures: [], auth: AuthSettings())
        let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
            for index in 0..<60 {
                let password = index % 6 == 0 ? "wrong" : "admin"
                group.addTask {
                    try await first.post("/api/v1/auth/tokens", #"{"grant_type":"password","username":"admin","password":"\#(password)"}"#)
                }
            }
            return try await group.reduce(into: [Reply]()) { $0.append($1) }
        }
        first.stop()
        let refused = replies.filter { $0.status == 401 }
        #expect(refused.count == 10 && refused.allSatisfy { $0.json["code"]?.intValue == 5 }, "a wrong password fails alone")
        let tokens = Set(replies.compactMap { $0.status == 200 ? $0.json["refresh_token"]?.stringValue : nil })
        #expect(tokens.count == 50)
        let second = try LiveServer(fixtures: [], directory: first.directory, auth: AuthSettings())
        for token in tokens {
            let refreshed = try await second.post("/api/v1/auth/tokens", #"{"grant_type":"refresh_token","refresh_token":"\#(token)"}"#)
            #expect(refreshed.status == 200 && refreshed.json["refresh_token"]?.stringValue == token, "acknowledged, so on disk")
        }
    }

    @Test func oneRunningJobPerFamilyHoldsWithinABatch() async throws {
        let live = try LiveServer(fixtures: [])
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { try await live.post("/api/v1/cckm/sap/synchronization-jobs", #"{"groups":["g"]}"#).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 1 && statuses.filter { $0 == 409 }.count == 19)
        #expect(try await live.get("/api/v1/cckm/sap/synchronization-jobs?limit=0").total == 1, "the 409s left nothing behind")
    }

    @Test func badStartsFailAloneAndCancelsBatchToo() async throws {
        let live = try LiveServer(fixtures: [])
        try await live.post("/api/v1/cckm/sap/synchronization-jobs", "{}").expectError(
            status: 400, code: 15, codeDesc: "NCERRBadRequest: Bad request", messageContains: "Give the targets")
        let id = try #require(try await live.post("/api/v1/cckm/sap/synchronization-jobs", #"{"groups":["g"]}"#).json["id"]?.stringValue)
        let cancelled = try await live.post("/api/v1/cckm/sap/synchronization-jobs/\(id)/cancel")
        #expect(cancelled.status == 200 && cancelled.json["abort"] == .bool(true))
        try await live.post("/api/v1/cckm/sap/synchronization-jobs/\(TestJobs.id(5))/cancel").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
    }

    /// Issue 24 #9: a user or domain removed from the flags at a restart kept working: its JWTs were
    /// still accepted, and a refresh in a removed domain answered 200 with a JWT every call then refused.
    @Test func aRestartWithoutAUserOrDomainEndsTheirTokens() async throws {
        let accounts = Accounts(users: ["admin": "admin", "bob": "pw"], domains: ["team-a"])
        let first = try LiveServer(fixtures: [], auth: AuthSettings(accounts: accounts))
        func login(_ user: String, _ password: String, _ domain: String) async throws -> Reply {
            try await first.post("/api/v1/auth/tokens", #"{"username":"\#(user)","password":"\#(password)","domain":"\#(domain)"}"#)
        }
        let bob = try await login("bob", "pw", "root")
        let teamA = try await login("admin", "admin", "team-a")
        let admin = try await login("admin", "admin", "root")
        first.stop()
        let second = try LiveServer(fixtures: [], directory: first.directory, auth: AuthSettings(accounts: Accounts(users: ["admin": "admin"])))
        func list(_ login: Reply) throws -> Int {
            let jwt = try #require(login.json["jwt"]?.stringValue)
            let request = HTTPRequest(
                method: "GET", path: "/api/v1/cckm/aws/synchronization-jobs", headers: HTTPHeaders([("Authorization", "Bearer " + jwt)]))
            return second.server.app.respond(to: request).status
        }
        #expect(try list(admin) == 200, "a user still declared keeps working")
        #expect(try list(bob) == 401, "bob was removed")
        #expect(try list(teamA) == 401, "team-a was removed")
        for old in [bob, teamA] {
            let token = try #require(old.json["refresh_token"]?.stringValue)
            let refreshed = try await second.post("/api/v1/auth/tokens", #"{"grant_type":"refresh_token","refresh_token":"\#(token)"}"#)
            #expect(refreshed.status == 401, "\(refreshed.json)")
        }
        let token = try #require(admin.json["refresh_token"]?.stringValue)
        #expect(try await second.post("/api/v1/auth/tokens", #"{"grant_type":"refresh_token","refresh_token":"\#(token)"}"#).status == 200)
    }

    /// Issue 42 #20 (from round four): a domain that stored a scheduler configuration and is not
    /// declared at the next start is adopted (the control API may still act in it), and a JWT its
    /// user got before the restart still read its configurations: a token was told to be of this
    /// run by its `iat`, in whole seconds, and a restart within the second let it through.
    @Test func aRemovedDomainsTokenOfBeforeTheRestartIsRefusedWhateverItsAge() async throws {
        let accounts = Accounts(users: ["admin": "admin"], domains: ["team-a"])
        let first = try LiveServer(fixtures: [], auth: AuthSettings(accounts: accounts))
        let login = try await first.post("/api/v1/auth/tokens", #"{"username":"admin","password":"admin","domain":"team-a"}"#)
        let jwt = try #require(login.json["jwt"]?.stringValue)
        let config = HTTPRequest(
            method: "POST", path: "/api/v1/scheduler/job-configs", headers: HTTPHeaders([("Authorization", "Bearer " + jwt)]),
            body: Array(SchedulerBodies.every15.utf8))
        #expect(first.server.app.respond(to: config).status == 201)
        first.stop()
        let second = try LiveServer(fixtures: [], directory: first.directory, auth: AuthSettings(accounts: Accounts(users: ["admin": "admin"])))
        let read = HTTPRequest(
            method: "GET", path: "/api/v1/scheduler/job-configs", headers: HTTPHeaders([("Authorization", "Bearer " + jwt)]))
        #expect(second.server.app.respond(to: read).status == 401, "the token of before the restart, in a domain no longer declared")
        // The control API still acts there, with a token of this run.
        let control = try #require(try await second.post("/__admin/tokens", #"{"domain":"team-a"}"#).json["jwt"]?.stringValue)
        let now = HTTPRequest(
            method: "GET", path: "/api/v1/scheduler/job-configs", headers: HTTPHeaders([("Authorization", "Bearer " + control)]))
        #expect(second.server.app.respond(to: now).status == 200)
    }
}
