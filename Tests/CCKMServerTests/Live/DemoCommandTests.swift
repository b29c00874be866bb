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

@Suite(.live()) struct DemoCommandTests {
    @Test func demoPrintsTheDashboardAndServesIt() async throws {
        let server = try ServerProcess(["demo", "--port", "0", "--fixtures", Paths.repository + "/fixtures/demo.json"])
        defer {
            server.signal(SIGTERM)
            _ = server.finish()
        }
        let listening = try #require(server.firstLine())
        let dashboard = try #require(server.firstLine())
        let base = try #require(listening.split(separator: " ").last.map(String.init))
        #expect(base.hasPrefix("http://127.0.0.1:"), "plain HTTP, so a browser opens it without a warning")
        #expect(dashboard == "dashboard: \(base)/__admin/ui")
        let (data, _) = try await LiveServer.session.data(from: URL(string: base + "/__admin/jobs?limit=0")!)
        #expect(String(decoding: data, as: UTF8.self).contains("\"total\":20"))
        let (page, _) = try await LiveServer.session.data(from: URL(string: dashboard.replacingOccurrences(of: "dashboard: ", with: ""))!)
        #expect(String(decoding: page, as: UTF8.self).contains("<title>cckm-mock dashboard</title>"))
        // Its own client's first list and read are in the request log (issue 43 #7): it starts at once.
        try await eventually("the demo's client's first list and read in the journal", within: .seconds(60)) {
            let journal = try Curl.run([base + "/__admin/requests?path=/api/v1/cckm/*&limit=2"]).body
            let requests = (try? JSONParser.parse(journal))?["requests"]?.arrayValue ?? []
            return requests.count == 2 && requests.allSatisfy { $0["method"]?.stringValue == "GET" && $0["status"]?.intValue == 200 }
        }
    }
}
