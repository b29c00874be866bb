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

#if canImport(Glibc)
    import Glibc
#endif

/// Idle and trickling clients must not crowd out real ones. Loopback only, bounded loops.
@Suite(.live()) struct AbuseTests {
    static func open(_ port: Int) -> Int32 { connectLoopback(port).fd }

    @Test func idleAndSlowHeaderClientsDoNotStopNormalRequests() async throws {
        let live = try LiveServer()
        let port = Int(live.baseURL.split(separator: ":").last!)!
        // 2,000 connections that say nothing, and 200 that stop in the middle of their headers.
        var sockets = (0..<2000).map { _ in Self.open(port) }
        for _ in 0..<200 {
            let fd = Self.open(port)
            let partial = Array("GET /api/v1/cckm/aws/synchronization-jobs HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".utf8)
            _ = partial.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            sockets.append(fd)
        }
        defer { sockets.forEach { close($0) } }
        #expect(sockets.allSatisfy { $0 >= 0 })
        for _ in 0..<20 {
            #expect(try await live.get("/api/v1/cckm/sfdc/keys/synchronization-jobs").total == 2)
        }
        #expect(try await live.get("/__admin/health").status == 200)
    }

    @Test func aFloodPastTheConnectionLimitLeavesTheServerServing() async throws {
        let directory = try Paths.temporaryDirectory()
        let http = HTTPServerConfigurationForTests.limited(connections: 50)
        let server = try ServingMock.start(MockConfiguration(http: http, store: .directory(directory), tls: .off))
        defer { server.shutdown() }
        let port = server.http.port
        let hogs = (0..<80).map { _ in Self.open(port) }
        // Each descriptor is closed exactly once: client and server share this process, so a second
        // close could hit a descriptor number the server has since been given for a connection.
        defer { hogs.suffix(20).forEach { close($0) } }
        // 80 connections against a limit of 50: the excess is refused; once most go, requests are served again.
        hogs.prefix(60).forEach { close($0) }
        var request = URLRequest(url: URL(string: server.url + "/__admin/health")!)
        request.timeoutInterval = 10
        let (_, response) = try await LiveServer.session.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }
}

enum HTTPServerConfigurationForTests {
    static func limited(connections: Int) -> HTTPServerConfiguration {
        HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 2, connectionLimit: connections)
    }
}
