import Foundation
import HTTPServer
import Synchronization
import TestSupport
import Testing

@testable import CCKMCore
@testable import CCKMEngine
@testable import CCKMMock
@testable import CCKMStore

/// Issue 31 #5: control calls ran on libmicrohttpd's event loops, so two long advances on a
/// two-thread server held both, and health (a container's health check) waited for them.
@Suite(.live(.seconds(300))) struct EventLoopTests {
    @Test func healthAnswersWhileTwoLongAdvancesRun() throws {
        let folder = try Paths.temporaryDirectory()
        var lines = ""
        for index in 0..<15_000 {
            let id = String(format: "%08x-0000-4000-8000-000000000000", index)
            lines +=
                #"{"family":"oci","id":"\#(id)","createdAt":"now","overall_status":"in_progress","vaults":["v"],"detailed_status":{"v":"in_progress"}}"#
                + "\n"
        }
        try lines.write(toFile: folder + "/running.jsonl", atomically: true, encoding: .utf8)
        let server = try ServerProcess([
            "serve", "--port", "0", "--tls", "off", "--auth", "off", "--data", ":memory:", "--clock", "manual", "--threads", "2",
            "--allow-concurrent-jobs", "--target-duration", "1-86400", "--fixtures", folder + "/running.jsonl",
        ])
        let url = try #require(server.firstLine()?.split(separator: " ").last.map(String.init))
        let endpoint = try #require(HTTPClient.Endpoint(url: url))
        let finished = Mutex<[String]>([])
        let advances = (0..<2).map { _ in
            Thread {
                let client = HTTPClient(endpoint: endpoint, timeout: 240)
                let status = (try? client.send("POST", "/__admin/clock/advance", body: Array(#"{"seconds":86400}"#.utf8)).status) ?? 0
                finished.withLock { $0.append("advance \(status)") }
            }
        }
        advances.forEach { $0.start() }
        usleep(200_000)  // both advances are in by now (each takes seconds on 15,000 jobs)
        let health = try HTTPClient(endpoint: endpoint, timeout: 30).send("GET", "/__admin/health")
        finished.withLock { $0.append("health \(health.status)") }
        try blockUntil("both advances to answer", within: .seconds(270)) { finished.withLock { $0.count } == 3 }
        let order = finished.withLock { $0 }
        #expect(order.first == "health 200", "health answered while the advances ran: \(order)")
        #expect(order.dropFirst().allSatisfy { $0 == "advance 200" }, "\(order)")
        server.signal(SIGTERM)
        _ = server.finish()
    }
}
