import Foundation
import Testing

@testable import CCKMMock

#if canImport(Glibc)
    import Glibc
#endif

/// The probes of issue 13 that need a real socket: each hung, cut a connection or overwrote data
/// before its fix. Loopback only, every loop bounded.
@Suite(.timeLimit(.minutes(1))) struct HostileLiveTests {
    static let aws = "/api/v1/cckm/aws/synchronization-jobs"

    static func port(_ live: LiveServer) -> Int { Int(live.baseURL.split(separator: ":").last!)! }

    // MARK: 3. hundreds of query parameters

    @Test(arguments: [257, 900, 2000, 3000])
    func tooManyQueryParametersAreA414NotAHang(count: Int) throws {
        let live = try LiveServer()
        defer { live.stop() }
        let query = (0..<count).map { "a\($0)=1" }.joined(separator: "&")
        let reply = try BadInputTests.raw(Self.port(live), BadInputTests.request("GET \(Self.aws)?\(query) HTTP/1.1"))
        #expect(reply.status == 414)
        let json = try JSONParser.parse(reply.body)
        #expect(json["message"]?.stringValue == "The query has more than the limit of 256 parameters")
        #expect(json.objectValue?.map(\.key) == ["code", "codeDesc", "message", "requestID"])
    }

    @Test func theLimitItselfIsServed() throws {
        let live = try LiveServer()
        defer { live.stop() }
        let query = (0..<256).map { "a\($0)=1" }.joined(separator: "&")
        #expect(try BadInputTests.raw(Self.port(live), BadInputTests.request("GET \(Self.aws)?\(query) HTTP/1.1")).status == 200)
    }

    // MARK: 4. a trickling client is cut off at the request deadline

    @Test func aTricklingClientIsClosedAtTheRequestDeadline() async throws {
        let live = try LiveServer(requestTimeoutSeconds: 1)
        defer { live.stop() }
        let fd = AbuseTests.open(Self.port(live))
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let head = Array("GET \(Self.aws) HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)
        _ = head.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        // One byte every 100 ms (pacing the client is what this test is about): libmicrohttpd's idle
        // timer never fires on it, the deadline must. At most 8 s, where the deadline is 1 s.
        var closedAfter: Int?
        for tick in 0..<80 where closedAfter == nil {
            var byte: UInt8 = 0x61
            if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 || recv(fd, &byte, 1, 0) == 0 { closedAfter = tick }
            try await Task.sleep(for: .milliseconds(100))
        }
        let ticks = try #require(closedAfter, "never closed")
        #expect(ticks < 30, "closed after about \(ticks * 100) ms")
        #expect(live.server.http.connectionsPastDeadline >= 1)
        #expect(try await live.get("/__admin/health").status == 200, "others are served meanwhile")
    }

    // MARK: 11. a chunked body over the limit is a 413, as a sized one is

    @Test func aChunkedBodyOverTheLimitIsA413() throws {
        let live = try LiveServer(maxBodyBytes: 1000)
        defer { live.stop() }
        let chunk = String(repeating: " ", count: 600)
        let body = (0..<5).map { _ in String(600, radix: 16) + "\r\n" + chunk + "\r\n" }.joined() + "0\r\n\r\n"
        let bytes = Array(
            ("POST /api/v1/cckm/sap/synchronization-jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" + body).utf8)
        let reply = try BadInputTests.raw(Self.port(live), bytes)
        #expect(reply.status == 413)
        #expect(try JSONParser.parse(reply.body)["message"]?.stringValue == "Request body is larger than the limit of 1000 bytes")
        #expect(try live.server.store.count() == 6, "nothing stored")
    }

    // MARK: 13. a NUL in a path segment

    @Test func aNULInASnapshotNameIsRefusedAndOverwritesNothing() async throws {
        let live = try LiveServer()
        defer { live.stop() }
        #expect(try await live.post("/__admin/snapshots/a").status == 201)
        let saved = try await live.get("/__admin/snapshots")
        _ = try await live.post("/__admin/clock/advance", #"{"seconds": 60}"#)
        let reply = try BadInputTests.raw(Self.port(live), BadInputTests.request("POST /__admin/snapshots/a%00b HTTP/1.1"))
        #expect(reply.status == 400)
        #expect(try JSONParser.parse(reply.body)["message"]?.stringValue == "The path holds an encoded NUL (%00)")
        #expect(try await live.get("/__admin/snapshots").body == saved.body, "snapshot a kept its clock")
    }

    // MARK: 9. store files are private

    @Test func theDataFolderAndStoreFilesAreTheOwnersOnly() throws {
        let live = try LiveServer()
        defer { live.stop() }
        func mode(_ path: String) throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        #expect(try mode(live.directory) == 0o700)
        for file in ["jobs.sqlite", "jobs.sqlite-wal", "jobs.sqlite-shm", "jwt-signing.key"] {
            #expect(try mode(live.directory + "/" + file) == 0o600, "\(file)")
        }
    }
}
