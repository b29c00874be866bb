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

/// Odd bytes on a raw socket: each answered with a CM envelope and the right status, the server
/// still serving and nothing stored changed.
@Suite(.live()) struct BadInputTests {
    /// Sends `bytes` on a new connection; returns the status code and the body.
    static func raw(_ port: Int, _ bytes: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        let (fd, connected) = connectLoopback(port)
        defer { close(fd) }
        try #require(connected, "connected to the server")
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            reply += buffer[0..<count]
        }
        let text = String(decoding: reply, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = reply.split(separator: Array("\r\n\r\n".utf8), maxSplits: 1).dropFirst().first.map(Array.init) ?? []
        return (status, body)
    }

    static func request(_ line: String, body: [UInt8] = [], headers: [String] = []) -> [UInt8] {
        var head = line + "\r\nHost: localhost\r\nConnection: close\r\n"
        for header in headers { head += header + "\r\n" }
        if !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    static let jobs = "/api/v1/cckm/sap/synchronization-jobs"
    static let aws = "/api/v1/cckm/aws/synchronization-jobs"
    static let many = (0..<1500).map { "v\($0)" }.joined(separator: ",")

    /// (what, request bytes, status, code)
    static let table: [(String, [UInt8], Int, Int)] = [
        ("'..' in the path", request("GET /api/v1/cckm/aws/../sap/synchronization-jobs HTTP/1.1"), 404, 16),
        ("percent-encoded '..'", request("GET /api/v1/cckm/aws/%2e%2e/synchronization-jobs HTTP/1.1"), 404, 16),
        ("encoded slash in an id", request("GET \(aws)/a%2Fb HTTP/1.1"), 404, 16),
        ("SQL in a target filter", request("GET \(aws)?kms=%27%3B%20DROP%20TABLE%20job%3B-- HTTP/1.1"), 200, 0),
        ("SQL in the id filter", request("GET \(aws)?id=%22%20OR%201%3D1 HTTP/1.1"), 200, 0),
        ("SQL in overall_status", request("GET \(aws)?overall_status=%27%20OR%20%271%27%3D%271 HTTP/1.1"), 400, 9),
        ("SQL in sort", request("GET \(aws)?sort=id%3B%20DROP%20TABLE%20job HTTP/1.1"), 400, 9),
        ("NUL in a query value", request("GET \(aws)?kms=a%00b HTTP/1.1"), 200, 0),
        // The whole value counts, not the C string before the NUL (schemathesis found this).
        ("a NUL, then 4,100 characters in a filter", request("GET \(aws)?kms=%00\(String(repeating: "k", count: 4_100)) HTTP/1.1"), 400, 9),
        ("skip overflowing 64 bits", request("GET \(aws)?skip=99999999999999999999999 HTTP/1.1"), 400, 9),
        ("limit below -1", request("GET \(aws)?limit=-7 HTTP/1.1"), 400, 9),
        ("repeated and empty parameters", request("GET \(aws)?skip=&limit=&kms=&kms=&sort= HTTP/1.1"), 200, 0),
        ("1,500 filter values", request("GET \(aws)?kms=\(many) HTTP/1.1"), 400, 9),
        ("truncated JSON", request("POST \(jobs) HTTP/1.1", body: Array(#"{"groups":[""#.utf8)), 400, 15),
        ("invalid UTF-8", request("POST \(jobs) HTTP/1.1", body: Array(#"{"groups":[""#.utf8) + [0xC3, 0x28] + Array(#""]}"#.utf8)), 400, 15),
        ("NUL bytes in the body", request("POST \(jobs) HTTP/1.1", body: [0x7B, 0, 0, 0x7D]), 400, 15),
        ("wrong JSON types", request("POST \(jobs) HTTP/1.1", body: Array(#"{"groups":{"a":1}}"#.utf8)), 400, 9),
        ("nesting 10,000 deep", request("POST \(jobs) HTTP/1.1", body: Array((String(repeating: "[", count: 10_000)).utf8)), 400, 15),
        (
            "a truncated chunked body",
            Array("POST \(jobs) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"gro\r\n0\r\n\r\n".utf8),
            400,
            15
        ),
        ("a 40 KB URL", request("GET \(aws)?kms=\(String(repeating: "k", count: 40_000)) HTTP/1.1"), 414, 15),
        ("a 40 KB header", request("GET \(aws) HTTP/1.1", headers: ["X-Big: " + String(repeating: "h", count: 40_000)]), 431, 15),
        (
            "340 headers of 100 bytes", request("GET \(aws) HTTP/1.1", headers: (0..<340).map { "X-\($0): " + String(repeating: "h", count: 100) }),
            431, 15
        ),
        ("an unknown method", request("FROB \(jobs) HTTP/1.1"), 405, 15),
        ("a body over the cap", request("POST \(jobs) HTTP/1.1", body: Array(repeating: 0x20, count: 2 << 20)), 413, 15),
    ]

    @Test func everyOddRequestGetsACMEnvelopeAndNothingChanges() async throws {
        let live = try LiveServer()
        let port = Int(live.baseURL.split(separator: ":").last!)!
        let before = try live.server.store.count()
        for (what, bytes, status, code) in Self.table {
            let reply = try Self.raw(port, bytes)
            #expect(reply.status == status, "\(what): status \(reply.status)")
            let json = try? JSONParser.parse(reply.body)
            if code == 0 {
                #expect(json?["resources"] != nil, "\(what): a list")
            } else {
                #expect(json?["code"]?.intValue == code, "\(what): \(String(decoding: reply.body.prefix(200), as: UTF8.self))")
                #expect(json?.objectValue?.map(\.key) == ["code", "codeDesc", "message", "requestID"], "\(what): the CM envelope")
            }
        }
        #expect(try await live.get("/__admin/health").status == 200, "still serving")
        #expect(try live.server.store.count() == before, "nothing stored changed")
        #expect(try await live.get("/api/v1/cckm/sfdc/keys/synchronization-jobs").total == 2)
    }
}
