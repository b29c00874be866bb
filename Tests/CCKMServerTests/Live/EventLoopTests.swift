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
        // The two advances are written whole on sockets of their own before health is asked (no
        // sleep in between): each takes seconds on 15,000 jobs, and their answers are read after.
        let body = #"{"seconds":86400}"#
        let advances = try (0..<2).map { _ in
            let (fd, connected) = connectLoopback(endpoint.port, timeout: 240)
            try #require(connected)
            let request = Array(
                ("POST /__admin/clock/advance HTTP/1.1\r\nHost: 127.0.0.1:\(endpoint.port)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8)
            #expect(request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == request.count)
            return fd
        }
        defer { advances.forEach { close($0) } }
        let health = try HTTPClient(endpoint: endpoint, timeout: 30).send("GET", "/__admin/health")
        var pending = advances.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let answered = poll(&pending, nfds_t(pending.count), 0)
        #expect(health.status == 200 && answered == 0, "health answered while both advances ran (\(answered) of them had answered)")
        for fd in advances {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while case let count = recv(fd, &buffer, buffer.count, 0), count > 0 { received += buffer[..<count] }
            #expect(String(decoding: received.prefix(12), as: UTF8.self) == "HTTP/1.1 200", "each advance answered 200 once it ended")
        }
        server.signal(SIGTERM)
        _ = server.finish()
    }
}
