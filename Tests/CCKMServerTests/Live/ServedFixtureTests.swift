import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Fixtures loaded by the server itself (the `serve --fixtures` path), not handed to the app.
@Suite(.live()) struct ServedFixtureTests {
    @Test func scriptsUsersAndDomainsOfServedFixturesApply() async throws {
        let live = try LiveServer(
            fixtures: [Paths.repository + "/fixtures/partial-failures.json", Paths.repository + "/fixtures/tenants.json"],
            auth: AuthSettings())
        let login = try await live.post("/api/v1/auth/tokens", #"{"username":"alice","password":"alice-secret","domain":"team-a"}"#)
        #expect(login.status == 200, "users and domains come from tenants.json")
        let admin = try #require(try await live.post("/__admin/tokens", "").json["jwt"]?.stringValue)
        var request = URLRequest(url: URL(string: live.baseURL + "/api/v1/cckm/aws/synchronization-jobs")!)
        request.httpMethod = "POST"
        request.setValue("Bearer " + admin, forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"kms":["kms"],"regions":["eu-west-1"]}"#.utf8)
        let (data, _) = try await LiveServer.session.data(for: request)
        let id = try #require(try JSONParser.parse([UInt8](data))["id"]?.stringValue)
        _ = try await live.post("/__admin/clock/advance", #"{"seconds": 10}"#)
        let job = try await live.get("/__admin/jobs?family=aws&id=" + id)
        let first = try #require(job.json["resources"]?.arrayValue?.first?["job"])
        #expect(first["overall_status"]?.stringValue == "failed", "the script from partial-failures.json")
        #expect(first["detailed_status"]?["123456789012/eu-west-1"]?.stringValue?.hasPrefix("AccessDeniedException") == true)
    }
}
