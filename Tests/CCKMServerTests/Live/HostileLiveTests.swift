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

#if canImport(Glibc)
    import Glibc
#endif

/// The probes of issue 13 that need a real socket: each hung, cut a connection or overwrote data
/// before its fix. Loopback only, every loop bounded.
@Suite(.live()) struct HostileLiveTests {
    static let aws = "/api/v1/cckm/aws/synchronization-jobs"

    static func port(_ live: LiveServer) -> Int { Int(live.baseURL.split(separator: ":").last!)! }

    // MARK: issue 24 #6, #13, #18: framing the body two ways, unknown codings, malformed headers

    static let advance = "POST /__admin/clock/advance HTTP/1.1\r\nHost: localhost\r\nContent-Length: 17\r\n\r\n{\"seconds\":86400}"

    /// (what, request, status): each smuggles a clock advance after the first request, or is a head
    /// RFC 9112 says to refuse. A refused head is answered once, in CM's envelope, and closed.
    static let framing: [(String, String, Int)] = [
        (
            "Content-Length and Transfer-Encoding",
            "POST /__admin/jobs/settle HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + advance, 400
        ),
        (
            "two Content-Lengths",
            "POST /__admin/jobs/settle HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nContent-Length: \(advance.utf8.count)\r\n\r\n" + advance,
            400
        ),
        (
            "a coding not ending in chunked",
            "POST /__admin/jobs/settle HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: identity\r\n\r\n" + advance, 400
        ),
        (
            "gzip before chunked",
            "POST /__admin/jobs/settle HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + advance, 501
        ),
        // Issue 31 #4: libmicrohttpd reads none of these as chunked, and waited for a body.
        (
            "chunked and a comma", "POST /__admin/jobs/settle HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n" + advance,
            400
        ),
        (
            "a comma and chunked", "POST /__admin/jobs/settle HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n" + advance,
            400
        ),
        (
            "chunked and two commas",
            "POST /__admin/jobs/settle HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked,,\r\n\r\n0\r\n\r\n" + advance, 400
        ),
        (
            "chunked and a tab", "POST /__admin/jobs/settle HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n" + advance,
            400
        ),
        ("a space before the colon", "GET /__admin/health HTTP/1.1\r\nHost : x\r\n\r\n" + advance, 400),
        // Issue 31 #18: RFC 9112 section 3.2; #10: section 6.1, Transfer-Encoding in HTTP/1.0.
        ("no Host in HTTP/1.1", "GET /__admin/health HTTP/1.1\r\n\r\n" + advance, 400),
        ("two Hosts", "GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n" + advance, 400),
        ("a Host with user information", "GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1:1@evil.example\r\n\r\n" + advance, 400),
        (
            "HTTP/1.0 with chunked",
            "POST /__admin/jobs/settle HTTP/1.0\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + advance, 400
        ),
        ("a bare CR in a value", "GET /__admin/health HTTP/1.1\r\nHost: localhost\rX-Forged: 1\r\n\r\n" + advance, 400),
    ]

    @Test(arguments: framing.indices)
    func aHeadFramedTwoWaysIsRefusedAndNothingAfterItRuns(index: Int) async throws {
        let (what, request, status) = Self.framing[index]
        let live = try LiveServer()
        let before = try await live.get("/__admin/clock").body
        let fd = AbuseTests.open(Self.port(live))
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        // Read to the close: the server must close, not wait for more (a 5 s receive bound).
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var closed = false
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { closed = true }
            if count <= 0 { break }
            reply += buffer[0..<count]
        }
        let text = String(decoding: reply, as: UTF8.self)
        #expect(closed, "\(what): the connection stays open")
        #expect(text.hasPrefix("HTTP/1.1 \(status) "), "\(what): \(text.prefix(60))")
        #expect(text.components(separatedBy: "HTTP/1.1 ").count == 2, "\(what): one answer, got \(text)")
        let body = try JSONParser.parse(Array(text.components(separatedBy: "\r\n\r\n").dropFirst().joined().utf8))
        #expect(body.objectValue?.map(\.key) == ["code", "codeDesc", "message", "requestID"], "\(what)")
        #expect(try await live.get("/__admin/clock").body == before, "\(what): the smuggled advance ran")
    }

    /// Issue 24 #5 over a real socket: the server built from its configuration knows its names.
    @Test func aRebindingHostIsRefusedAndTheServersOwnAreServed() throws {
        let live = try LiveServer()
        func status(_ host: String) throws -> Int {
            try BadInputTests.raw(Self.port(live), Array("GET /__admin/health HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)).status
        }
        #expect(try status("evil.example:\(Self.port(live))") == 403)
        #expect(try status("127.0.0.1:\(Self.port(live))") == 200 && status("localhost") == 200)
    }

    // MARK: 3. hundreds of query parameters

    @Test(arguments: [257, 900, 2000, 3000])
    func tooManyQueryParametersAreA414NotAHang(count: Int) throws {
        let live = try LiveServer()
        let query = (0..<count).map { "a\($0)=1" }.joined(separator: "&")
        let reply = try BadInputTests.raw(Self.port(live), BadInputTests.request("GET \(Self.aws)?\(query) HTTP/1.1"))
        #expect(reply.status == 414)
        let json = try JSONParser.parse(reply.body)
        #expect(json["message"]?.stringValue == "The query has more than the limit of 256 parameters")
        #expect(json.objectValue?.map(\.key) == ["code", "codeDesc", "message", "requestID"])
    }

    @Test func theLimitItselfIsServed() throws {
        let live = try LiveServer()
        let query = (0..<256).map { "a\($0)=1" }.joined(separator: "&")
        #expect(try BadInputTests.raw(Self.port(live), BadInputTests.request("GET \(Self.aws)?\(query) HTTP/1.1")).status == 200)
    }

    // MARK: 4. a trickling client is cut off at the request deadline

    @Test func aTricklingClientIsClosedAtTheRequestDeadline() async throws {
        let live = try LiveServer(requestTimeoutSeconds: 1)
        let fd = AbuseTests.open(Self.port(live))
        defer { close(fd) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let head = Array("GET \(Self.aws) HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".utf8)
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
        let chunk = String(repeating: " ", count: 600)
        let body = (0..<5).map { _ in String(600, radix: 16) + "\r\n" + chunk + "\r\n" }.joined() + "0\r\n\r\n"
        let bytes = Array(
            ("POST /api/v1/cckm/sap/synchronization-jobs HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                + body).utf8)
        let reply = try BadInputTests.raw(Self.port(live), bytes)
        #expect(reply.status == 413)
        #expect(try JSONParser.parse(reply.body)["message"]?.stringValue == "Request body is larger than the limit of 1000 bytes")
        #expect(try live.server.store.count() == 6, "nothing stored")
    }

    // MARK: 13. a NUL in a path segment

    @Test func aNULInASnapshotNameIsRefusedAndOverwritesNothing() async throws {
        let live = try LiveServer()
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
        func mode(_ path: String) throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        #expect(try mode(live.directory) == 0o700)
        for file in ["jobs.sqlite", "jobs.sqlite-wal", "jobs.sqlite-shm", "jwt-signing.key"] {
            #expect(try mode(live.directory + "/" + file) == 0o600, "\(file)")
        }
    }
}
