import CCKMCore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import CCKMLab

#if canImport(Glibc)
    import Glibc
#endif

/// The client behind `health` and `record` against servers that misbehave (issue 24 #1, #2, #25):
/// each answer is a `Failure` within the timeout, never a trap or a hang.
@Suite(.live()) struct HTTPClientTests {
    /// A server on loopback that reads each request head and answers with `respond(head)`, one byte
    /// every `pace` when given. One connection at a time, as the client makes them.
    final class FakeServer: @unchecked Sendable {
        let port: Int
        private let listener: Int32

        convenience init(answer: [UInt8], pace: Duration? = nil) throws {
            try self.init(pace: pace) { _ in answer }
        }

        init(pace: Duration? = nil, respond: @escaping @Sendable (String) -> [UInt8]) throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
            try #require(bound == 0 && listen(listener, 4) == 0)
            withUnsafeMutablePointer(to: &address) { _ = $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
            port = Int(UInt16(bigEndian: address.sin_port))
            self.listener = listener
            Thread.detachNewThread {
                while case let connection = accept(listener, nil, nil), connection >= 0 {
                    var head: [UInt8] = []
                    var byte: UInt8 = 0
                    while !head.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)), recv(connection, &byte, 1, 0) == 1 { head.append(byte) }
                    let answer = respond(String(decoding: head, as: UTF8.self))
                    if let pace {
                        for var byte in answer {
                            guard send(connection, &byte, 1, Int32(MSG_NOSIGNAL)) == 1 else { break }
                            Thread.sleep(forTimeInterval: Double(pace.components.attoseconds) / 1e18)
                        }
                    } else {
                        _ = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    }
                    close(connection)
                }
                // Closed here, not in deinit: a descriptor closed while this thread may still call
                // `accept` on it could be reused by the next test's server and answered from here.
                close(listener)
            }
        }

        /// `shutdown` wakes the thread parked in `accept`, which then ends and closes the listener.
        deinit { shutdown(listener, Int32(SHUT_RDWR)) }

        var client: HTTPClient { HTTPClient(endpoint: .init(tls: false, host: "127.0.0.1", port: port), timeout: 1) }
    }

    static let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

    @Test(arguments: [
        // Cut short right after a whole chunk, before its CRLF, and before the size line.
        head + "5\r\nhello", head + "5\r\nhello\r\n", head + "5\r\nhel",
        // Sizes near and past Int.max.
        head + "7fffffffffffffff\r\nabc\r\n0\r\n\r\n", head + "7ffffffffffffffe\r\n", head + "ffffffffffffffffff\r\n",
        head + "-5\r\nabc\r\n", head + "\r\n",
    ])
    func aBrokenChunkedAnswerIsAFailureNotATrap(answer: String) throws {
        let server = try FakeServer(answer: Array(answer.utf8))
        #expect(throws: HTTPClient.Failure.self) { try server.client.send("GET", "/__admin/health") }
    }

    @Test func aWholeChunkedAnswerStillReads() throws {
        let server = try FakeServer(answer: Array((Self.head + "5\r\nhello\r\n1;x=y\r\n!\r\n0\r\n\r\n").utf8))
        #expect(try server.client.send("GET", "/").body == Array("hello!".utf8))
    }

    @Test func aTricklingServerGetsTheWholeRequestsTimeoutNotOnePerRead() throws {
        // One byte every 50 ms is 20 reads a second, each well inside a 1 s per-read bound: only a
        // deadline over the whole request ends it.
        let answer = Array(("HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n" + String(repeating: "x", count: 400)).utf8)
        let server = try FakeServer(answer: answer, pace: .milliseconds(50))
        let started = ContinuousClock.now
        #expect(throws: HTTPClient.Failure(description: "no answer within the timeout")) { try server.client.send("GET", "/") }
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    // MARK: record trusts no server (issue 24 #19)

    /// A job list whose page at `skip` is `page(skip)`, as JSON.
    static func listServer(_ page: @escaping @Sendable (Int) -> String) throws -> FakeServer {
        try FakeServer { head in
            let skip = head.split(separator: "&").first { $0.hasPrefix("skip=") }.flatMap { Int($0.dropFirst(5)) } ?? 0
            let body = page(skip)
            return Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        }
    }

    static func job(_ id: String, status: String = "completed", extra: String = "") -> String {
        #"{"id":"\#(id)","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","overall_status":"\#(status)","kms":["k"]\#(extra)}"#
    }

    static let uuid = "7d1b6c4e-2f0a-4b8e-9c3d-5a6f7e8d9c0b"

    static func recorder(_ server: FakeServer) -> Recorder {
        Recorder(client: server.client, credentials: .token("t"), domains: ["root"], families: [JobFamily.named("aws")!])
    }

    @Test func aServerThatAnswersTheSamePageAgainEndsTheRecording() throws {
        let server = try Self.listServer { _ in #"{"total":250,"resources":[\#(Self.job("a")),\#(Self.job("b"))]}"# }
        #expect(throws: Recorder.Failure.self) { try Self.recorder(server).record() }
        do { _ = try Self.recorder(server).record() } catch { #expect(error.description.hasSuffix("job a was answered twice while paging")) }
    }

    @Test func aTotalThatKeepsGrowingEndsTheRecordingAtTheBound() throws {
        let server = try Self.listServer { skip in
            #"{"total":1000000000000,"resources":[\#((skip..<skip + 100).map { Self.job("j\($0)") }.joined(separator: ","))]}"#
        }
        var recorder = Self.recorder(server)
        recorder.maxJobsPerList = 300
        do {
            _ = try recorder.record()
            Issue.record("recorded forever")
        } catch {
            #expect(error.description.contains("more than 300 jobs of aws in root (the server says 1000000000000)"))
        }
    }

    /// Issue 31 #6: a `total` of 10⁹ and pages of fat jobs grew past 1 GB in 6 s; the cap counted jobs.
    @Test func endlessFatPagesEndTheRecordingAtItsByteBound() throws {
        let fat = #","note":""# + String(repeating: "x", count: 2_000) + #"""#
        let server = try Self.listServer { skip in
            #"{"total":1000000000,"resources":[\#((skip..<skip + 100).map { Self.job("j\($0)", extra: fat) }.joined(separator: ","))]}"#
        }
        var recorder = Self.recorder(server)
        recorder.maxBytes = 1 << 20
        do {
            _ = try recorder.record()
            Issue.record("recorded forever")
        } catch {
            #expect(
                error.description.contains(
                    "the answers passed 1 MB; record fewer families or domains (--family, --domain), or allow more with --max-mb"))
        }
    }

    @Test func pagesPastTheFirstTotalEndTheRecording() throws {
        // The first page says 250 jobs; the server then makes up new ones, with a total that grows.
        let server = try Self.listServer { skip in
            #"{"total":\#(250 + skip),"resources":[\#((skip..<skip + 100).map { Self.job("j\($0)") }.joined(separator: ","))]}"#
        }
        do {
            _ = try Self.recorder(server).record()
            Issue.record("recorded forever")
        } catch {
            #expect(error.description.hasSuffix("pages keep coming past the 250 jobs the first page counted"))
        }
    }

    @Test func aJobWithItsOwnFamilyMemberIsRefusedNotWrittenTwice() throws {
        let server = try Self.listServer { _ in #"{"total":1,"resources":[\#(Self.job("a", extra: #","family":"oci""#))]}"# }
        #expect(throws: Recorder.Failure.self) { try Self.recorder(server).record() }
    }

    @Test func aRecordingThatIsNotAValidFixtureFails() throws {
        let server = try Self.listServer { _ in #"{"total":1,"resources":[\#(Self.job(Self.uuid, status: "bogus"))]}"# }
        let jobs = try Self.recorder(server).record()
        #expect(jobs.count == 1)
        #expect(throws: Recorder.Failure.self) { try Recorder.validate(jobs, domains: ["root"]) }
        let good = try Self.listServer { _ in #"{"total":1,"resources":[\#(Self.job(Self.uuid))]}"# }
        #expect(throws: Never.self) { try Recorder.validate(try Self.recorder(good).record(), domains: ["root"]) }
    }
}
