import HTTPServer
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP layer alone, with a responder of its own: no CCKM, no store. What it promises any
/// responder: keep-alive, limits answered through the responder, replies that come later on a
/// suspended connection, and a graceful stop.
@Suite(.live()) struct HTTPServerTests {
    /// Echoes the method, path and body; `/later` answers when the test releases it; `/hang` hangs up.
    final class Responder: HTTPResponder {
        let pending = Mutex<[@Sendable (HTTPResponse?) -> Void]>([])

        func respond(to request: HTTPRequest) -> HTTPResponse {
            .json(200, #"{"method":"\#(request.method)","path":"\#(request.path)","body":\#(request.body.count)}"#)
        }

        func reply(to request: HTTPRequest) -> HTTPReply {
            switch request.path {
            case "/later": .later { deliver in self.pending.withLock { $0.append(deliver) } }
            case "/hang": .hangUp
            case "/slow":
                // Work that takes longer than the request deadline (1.5 s against 1 s): what a
                // reset to a big fixture or a settle of a huge job does on the server's thread.
                {
                    usleep(1_500_000); return .now(respond(to: request))
                }()
            default: .now(respond(to: request))
            }
        }

        func release(_ response: HTTPResponse?) {
            for deliver in pending.withLock({ pending in
                defer { pending.removeAll() }
                return pending
            }) {
                deliver(response)
            }
        }
    }

    static func serve(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> (HTTPServer, Responder) {
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 2)
        configure(&configuration)
        let responder = Responder()
        return (try HTTPServer(configuration: configuration, responder: responder), responder)
    }

    /// A client socket with a receive timeout, so that no test can hang.
    final class Client {
        let fd: Int32

        init(port: Int) throws {
            let (fd, connected) = connectLoopback(port)
            self.fd = fd
            try #require(connected)
        }

        deinit { close(fd) }

        func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// One whole answer (head and a sized body); nil when the connection ended first.
        func answer() -> (status: Int, body: String)? {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                if let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
                    let length =
                        head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].filter { $0 != " " }) } ?? 0
                    if received.count - end.upperBound >= length {
                        let status = Int(head.split(separator: " ")[1]) ?? 0
                        return (status, String(decoding: received[end.upperBound..<end.upperBound + length], as: UTF8.self))
                    }
                }
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { return nil }
                received += buffer[0..<count]
            }
        }
    }

    /// Issue 43 #4: the HTTPS port looks at a connection's first byte before TLS takes it; plain
    /// HTTP is answered by the responder, in plain HTTP, and TLS clients go on as before.
    @Test func plainHTTPToTheHTTPSPortIsAnsweredByTheResponder() throws {
        let (server, _) = try Self.serve { $0.tls = try? TLSIdentity.selfSigned(names: ["127.0.0.1"]) }
        defer { server.shutdown() }
        let plain = try Client(port: server.port)
        plain.send("GET /x?y=1 HTTP/1.1\r\nHost: example\r\n\r\n")
        let answer = try #require(plain.answer())
        #expect(answer.status == 400 && answer.body == #"{"message":"this port speaks HTTPS"}"#)
        let tls = try HTTPClient(endpoint: .init(tls: true, host: "127.0.0.1", port: server.port), timeout: 30).send("GET", "/y")
        #expect(tls.status == 200 && String(decoding: tls.body, as: UTF8.self).contains(#""path":"/y""#))
    }

    /// A client that connects to the HTTPS port and sends nothing holds no one up, and is closed
    /// at the request deadline.
    @Test func aSilentConnectionToTheHTTPSPortHoldsNobodyUpAndIsClosed() throws {
        let (server, _) = try Self.serve {
            $0.tls = try? TLSIdentity.selfSigned(names: ["127.0.0.1"])
            $0.requestTimeoutSeconds = 1
        }
        defer { server.shutdown() }
        let silent = try (0..<20).map { _ in try Client(port: server.port) }
        let tls = try HTTPClient(endpoint: .init(tls: true, host: "127.0.0.1", port: server.port), timeout: 30).send("GET", "/z")
        #expect(tls.status == 200, "answered while twenty connections say nothing")
        var byte: UInt8 = 0
        #expect(recv(silent[0].fd, &byte, 1, 0) == 0, "closed at its deadline (not at the client's 30 s receive timeout)")
    }

    /// One address cannot fill the door with silent connections: past the per-address limit its
    /// new ones are closed at once, and its first ones wait on.
    @Test func theHTTPSDoorHoldsThePerAddressLimit() throws {
        let (server, _) = try Self.serve {
            $0.tls = try? TLSIdentity.selfSigned(names: ["127.0.0.1"])
            $0.perIPConnectionLimit = 3
            $0.requestTimeoutSeconds = 300
        }
        defer { server.shutdown() }
        let silent = try (0..<4).map { _ in try Client(port: server.port) }
        var byte: UInt8 = 0
        #expect(recv(silent[3].fd, &byte, 1, 0) == 0, "the fourth is closed at once")
        var first = pollfd(fd: silent[0].fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&first, 1, 0) == 0, "the first still waits")
    }

    @Test func twoRequestsOnOneKeptAliveConnection() throws {
        let (server, _) = try Self.serve()
        defer { server.shutdown() }
        let client = try Client(port: server.port)
        client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.answer()?.body == #"{"method":"GET","path":"/a","body":0}"#)
        client.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        #expect(client.answer()?.body == #"{"method":"POST","path":"/b","body":3}"#)
    }

    @Test func limitsAreAnsweredThroughTheResponder() throws {
        let (server, _) = try Self.serve { $0.maxBodyBytes = 10 }
        defer { server.shutdown() }
        let cases: [(String, Int)] = [
            ("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n0123456789a", 413),
            ("GET /x?" + (0..<300).map { "a\($0)" }.joined(separator: "&") + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            ("GET /x?q=" + String(repeating: "q", count: 33_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            ("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "h", count: 33_000) + "\r\n\r\n", 431),
            ("GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ]
        for (request, status) in cases {
            let client = try Client(port: server.port)
            client.send(request)
            #expect(client.answer()?.status == status, "\(request.prefix(40))")
        }
    }

    @Test func aLaterReplySuspendsTheConnectionUntilItIsDelivered() throws {
        let (server, responder) = try Self.serve()
        defer { server.shutdown() }
        let waiting = try Client(port: server.port)
        waiting.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n")
        let other = try Client(port: server.port)
        other.send("GET /now HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(other.answer()?.status == 200, "others are served while one waits")
        try blockUntil("the /later request to reach the responder") { !responder.pending.withLock { $0.isEmpty } }
        responder.release(.json(202, #"{"late":true}"#))
        #expect(waiting.answer()?.body == #"{"late":true}"#)
        let hung = try Client(port: server.port)
        hung.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(hung.answer() == nil, "hangUp closes without an answer")
    }

    /// Issue 24 #3: the deadline kept running while a synchronous handler worked, so a long control
    /// call lost its answer after 10 s (the work still done: a client that retried did it twice).
    @Test func aHandlerThatWorksPastTheRequestDeadlineStillAnswers() throws {
        let (server, _) = try Self.serve { $0.requestTimeoutSeconds = 1 }
        defer { server.shutdown() }
        let client = try Client(port: server.port)
        client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.answer()?.body == #"{"method":"GET","path":"/slow","body":0}"#)
        #expect(server.connectionsPastDeadline == 0)
    }

    @Test func aGracefulStopAnswersWhatIsParked() throws {
        let (server, responder) = try Self.serve()
        let waiting = try Client(port: server.port)
        waiting.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n")
        try blockUntil("the /later request to reach the responder") { !responder.pending.withLock { $0.isEmpty } }
        server.shutdown()
        #expect(waiting.answer()?.status == 503, "the responder's respondWhileStopping")
        server.shutdown()  // idempotent
        #expect(!Self.accepts(port: server.port), "the listening socket is closed")
    }

    static func accepts(port: Int) -> Bool {
        let (fd, connected) = connectLoopback(port)
        close(fd)
        return connected
    }
}
