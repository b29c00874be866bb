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

/// A client written like Thales' Ansible modules: start, then poll `GET B/{id}` until the job is
/// no longer in progress. Against the real executable on the system clock with short durations;
/// the loop is bounded in requests, and nothing sleeps.
@Suite(.live()) struct PollingClientTests {
    @Test func pollingUntilDoneEndsWithTheFinalJob() async throws {
        let server = try ServerProcess([
            "serve", "--port", "0", "--data", ":memory:", "--target-duration", "0.05-0.3", "--failure-rate", "0.5", "--seed", "9", "--tls", "off",
            "--auth", "off",
        ])
        defer {
            server.signal(SIGTERM)
            _ = server.finish()
        }
        let url = try #require(server.firstLine()?.split(separator: " ").last.map(String.init))
        var start = URLRequest(url: URL(string: url + "/api/v1/cckm/aws/synchronization-jobs")!)
        start.httpMethod = "POST"
        start.httpBody = Data(#"{"synchronize_all": true}"#.utf8)
        let (created, response) = try await LiveServer.session.data(for: start)
        #expect((response as! HTTPURLResponse).statusCode == 201)
        let id = try #require(try JSONParser.parse([UInt8](created))["id"]?.stringValue)

        var job = JSONValue.null
        var polls = 0
        repeat {
            polls += 1
            let (data, _) = try await LiveServer.session.data(from: URL(string: url + "/api/v1/cckm/aws/synchronization-jobs/" + id)!)
            job = try JSONParser.parse([UInt8](data))
        } while job["overall_status"]?.stringValue == "in_progress" && polls < 100_000
        let status = try #require(job["overall_status"]?.stringValue)
        let messages = job["detailed_status"]?.objectValue?.map { $0.value.stringValue ?? "" } ?? []
        #expect(status != "in_progress", "still running after \(polls) polls")
        #expect(messages.count == 5 && !messages.contains("in_progress"))
        #expect(status == (messages.contains { $0.hasPrefix("AccessDeniedException") } ? "failed" : "completed"))
        #expect(job["completed_at"]?.stringValue == job["updatedAt"]?.stringValue)
    }
}
