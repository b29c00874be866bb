import CGnuTLS

#if canImport(Glibc)
    import Glibc
#endif

/// A small blocking HTTP/1.1 client over a plain socket or GnuTLS: what `cckm-mock health` (a
/// container's health check) and `cckm-mock record` use, so the binary needs no libcurl at run time.
/// One request per connection (`Connection: close`); the whole exchange, from the connect to the
/// last byte of the answer, is bounded by `timeout`: a server that trickles gets no more time than
/// a silent one.
public struct HTTPClient: Sendable {
    /// Where the server is.
    public struct Endpoint: Sendable, Equatable {
        public var tls: Bool
        public var host: String
        public var port: Int
        /// The path prefix of the base URL (`/mock` in `https://h:1/mock`), without a final slash.
        public var basePath: String

        /// `http://host:port[/base]` or `https://…`; IPv6 hosts in brackets. Nil for anything else,
        /// a user or password in the URL included (`hasUserInfo`).
        public init?(url: String) {
            guard !Self.hasUserInfo(url) else { return nil }
            let lowered = url.lowercased()
            let rest: Substring
            if lowered.hasPrefix("https://") {
                tls = true
                rest = url.dropFirst(8)
            } else if lowered.hasPrefix("http://") {
                tls = false
                rest = url.dropFirst(7)
            } else {
                return nil
            }
            let authority = rest.prefix { $0 != "/" }
            basePath = String(rest.dropFirst(authority.count))
            while basePath.hasSuffix("/") { basePath.removeLast() }
            var hostPart = Substring(authority)
            var portText: Substring?
            if hostPart.hasPrefix("[") {
                guard let close = hostPart.firstIndex(of: "]") else { return nil }
                let after = hostPart[hostPart.index(after: close)...]
                if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
                hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            } else if let colon = hostPart.lastIndex(of: ":") {
                portText = hostPart[hostPart.index(after: colon)...]
                hostPart = hostPart[..<colon]
            }
            guard !hostPart.isEmpty else { return nil }
            host = String(hostPart)
            if let portText {
                guard let value = Int(portText), (1...65535).contains(value) else { return nil }
                port = value
            } else {
                port = tls ? 443 : 80
            }
        }

        /// Whether the URL's authority carries `user[:password]@`: such a URL must be refused
        /// without being printed, since it may hold a password.
        public static func hasUserInfo(_ url: String) -> Bool {
            guard let scheme = url.firstRange(of: "://") else { return false }
            return url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }.contains("@")
        }

        public init(tls: Bool, host: String, port: Int, basePath: String = "") {
            self.tls = tls
            self.host = host
            self.port = port
            self.basePath = basePath
        }
    }

    /// Why a request got no HTTP answer.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
    }

    public var endpoint: Endpoint
    /// Seconds the whole request may take: connect, handshake, send and every read together.
    public var timeout: Double
    /// Which certificates a TLS server's must chain to.
    public enum Trust: Sendable, Equatable {
        /// Any certificate (`--insecure`, and the health check of a server's own self-signed one).
        case any
        /// The system's certificate authorities.
        case system
        /// The certificates in this PEM file.
        case file(String)
    }

    public var trust: Trust
    /// Largest response body read.
    var maxResponseBytes = 256 << 20

    public init(endpoint: Endpoint, timeout: Double = 2, trust: Trust = .any) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.trust = trust
    }

    /// Trusting the certificates of `file` (nil: any).
    public init(endpoint: Endpoint, timeout: Double = 2, trustedCertificates file: String?) {
        self.init(endpoint: endpoint, timeout: timeout, trust: file.map(Trust.file) ?? .any)
    }

    /// Sends one request and reads the whole answer.
    public func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws(Failure) -> Response {
        let deadline = Deadline(seconds: timeout)
        let descriptor = try connect(deadline)
        defer { close(descriptor) }
        var channel: any Channel = PlainChannel(descriptor: descriptor, deadline: deadline)
        if endpoint.tls {
            channel = try TLSChannel(descriptor: descriptor, host: endpoint.host, trust: trust, deadline: deadline)
        }
        let hostHeader = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        var head = "\(method) \(endpoint.basePath)\(path) HTTP/1.1\r\nHost: \(hostHeader):\(endpoint.port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" { head += "Content-Length: \(body.count)\r\n" }
        try channel.write(Array((head + "\r\n").utf8) + body)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try channel.read(into: &buffer)
            if count == 0 { break }
            received += buffer[0..<count]
            guard received.count <= maxResponseBytes else { throw Failure(description: "the answer is larger than \(maxResponseBytes) bytes") }
        }
        channel.finish()
        return try Self.parse(received)
    }

    /// When the request's time is up, on the monotonic clock. The socket does not block: every
    /// read and write that cannot go on at once waits here with what is left, so the whole
    /// exchange (connect, handshake, request, answer) ends by the deadline, however the server
    /// paces its bytes (a TLS record a byte at a time kept GnuTLS inside one blocking read, each
    /// `recv` getting the socket's whole timeout anew).
    fileprivate struct Deadline {
        let end: timespec

        init(seconds: Double) {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let nanoseconds = Int(now.tv_nsec) + Int((seconds - seconds.rounded(.down)) * 1e9)
            end = timespec(tv_sec: now.tv_sec + Int(seconds) + nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
        }

        /// Seconds left, 0 once passed.
        var remaining: Double {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return max(0, Double(end.tv_sec - now.tv_sec) + Double(end.tv_nsec - now.tv_nsec) / 1e9)
        }

        /// Waits until `descriptor` can be read (or written, `writing`); throws once the time is up.
        func wait(_ descriptor: Int32, writing: Bool = false) throws(Failure) {
            while true {
                let left = Int32((remaining * 1000).rounded(.up))
                guard left > 0 else { throw Failure(description: "no answer within the timeout") }
                var poller = pollfd(fd: descriptor, events: Int16(writing ? POLLOUT : POLLIN), revents: 0)
                let ready = poll(&poller, 1, left)
                if ready > 0 { return }
                if ready < 0 && errno != EINTR { throw Failure(description: "waiting: \(String(cString: strerror(errno)))") }
            }
        }
    }

    private func connect(_ deadline: Deadline) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &found)
        guard status == 0, let first = found else {
            throw Failure(description: "cannot resolve \(endpoint.host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        let descriptor = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        // Connect without blocking, then wait at most `timeout` for it.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var outcome = Glibc.connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 ? 0 : errno
        if outcome == EINPROGRESS {
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            if poll(&poller, 1, Int32(deadline.remaining * 1000)) == 1 {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
                outcome = error
            } else {
                outcome = ETIMEDOUT
            }
        }
        guard outcome == 0 else {
            close(descriptor)
            throw Failure(description: "cannot connect to \(endpoint.host):\(endpoint.port): \(String(cString: strerror(outcome)))")
        }
        return descriptor
    }

    /// Status line, headers, and the body: sized, chunked, or up to the close.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> Response {
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw Failure(description: bytes.isEmpty ? "the server closed the connection without answering" : "not an HTTP answer")
        }
        let lines = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw Failure(description: "not an HTTP answer: \(lines.first.map { String($0.prefix(80)) } ?? "")")
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingSpaces)
        }
        var body = Array(bytes[end.upperBound...])
        if headers["Transfer-Encoding"]?.lowercased().contains("chunked") == true {
            body = try dechunk(body)
        } else if let length = headers["Content-Length"].flatMap({ Int($0) }), length <= body.count {
            body = Array(body.prefix(length))
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Every bound is checked before it is used: a size near `Int.max` or an answer cut after a
    /// chunk is a `Failure`, never a trap.
    static func dechunk(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while true {
            guard index <= bytes.count, let lineEnd = bytes[index...].firstRange(of: Array("\r\n".utf8)) else {
                throw Failure(description: "a chunked answer was cut")
            }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            let digits = sizeText.trimmingSpaces
            // Sixteen hex digits would already pass Int.max; the size must also fit what is here.
            guard !digits.isEmpty, digits.count <= 15, let size = Int(digits, radix: 16), size >= 0 else {
                throw Failure(description: "a bad chunk size")
            }
            index = lineEnd.upperBound
            if size == 0 { return out }
            guard size <= bytes.count - index, bytes.count - index - size >= 2, bytes[index + size] == 13, bytes[index + size + 1] == 10
            else { throw Failure(description: "a chunked answer was cut") }
            out += bytes[index..<index + size]
            index += size + 2
        }
    }
}

/// The bytes of one connection, plain or TLS.
private protocol Channel {
    func write(_ bytes: [UInt8]) throws(HTTPClient.Failure)
    /// 0 at the end of the answer.
    func read(into buffer: inout [UInt8]) throws(HTTPClient.Failure) -> Int
    func finish()
}

private struct PlainChannel: Channel {
    let descriptor: Int32
    let deadline: HTTPClient.Deadline

    func write(_ bytes: [UInt8]) throws(HTTPClient.Failure) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && (errno == EAGAIN || errno == EINTR) {
                try deadline.wait(descriptor, writing: true)
                continue
            }
            guard sent > 0 else { throw HTTPClient.Failure(description: "sending: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    func read(into buffer: inout [UInt8]) throws(HTTPClient.Failure) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return count }
            guard errno == EAGAIN || errno == EINTR else { throw HTTPClient.Failure(description: "reading: \(String(cString: strerror(errno)))") }
            try deadline.wait(descriptor)
        }
    }

    func finish() {}
}

/// A GnuTLS client session on a connected socket. `final class`: the session and credentials are
/// freed once, in `deinit`.
private final class TLSChannel: Channel {
    private var session: gnutls_session_t?
    private var credentials: gnutls_certificate_credentials_t?
    /// The name the certificate must carry, as C text that lives as long as the session: GnuTLS
    /// keeps the pointer `gnutls_session_set_verify_cert` is given and reads it during the handshake
    /// (a Swift string's temporary C copy is gone by then, and the name check read freed memory).
    private let verifiedName: UnsafeMutablePointer<CChar>?
    private let descriptor: Int32
    private let deadline: HTTPClient.Deadline

    init(descriptor: Int32, host: String, trust: HTTPClient.Trust, deadline: HTTPClient.Deadline) throws(HTTPClient.Failure) {
        self.descriptor = descriptor
        self.deadline = deadline
        verifiedName = trust == .any ? nil : strdup(host)
        func check(_ code: Int32, _ operation: String) throws(HTTPClient.Failure) {
            guard code >= 0 else { throw HTTPClient.Failure(description: "\(GnuTLSError(code: code, operation: operation))") }
        }
        try check(gnutls_certificate_allocate_credentials(&credentials), "certificate credentials")
        try check(gnutls_init(&session, UInt32(GNUTLS_CLIENT)), "TLS session")
        try check(gnutls_set_default_priority(session), "TLS priorities")
        try check(gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, UnsafeMutableRawPointer(credentials)), "TLS credentials")
        switch trust {
        case .any:
            break
        case .system:
            guard gnutls_certificate_set_x509_system_trust(credentials) > 0 else {
                throw HTTPClient.Failure(description: "no system certificate authorities found")
            }
        case .file(let path):
            guard gnutls_certificate_set_x509_trust_file(credentials, path, GNUTLS_X509_FMT_PEM) > 0 else {
                throw HTTPClient.Failure(description: "no certificate read from \(path)")
            }
        }
        // Checks the chain and the name during the handshake.
        if let verifiedName { gnutls_session_set_verify_cert(session, verifiedName, 0) }
        if host.contains(where: \.isLetter), !host.contains(":") {
            _ = gnutls_server_name_set(session, GNUTLS_NAME_DNS, host, host.utf8.count)
        }
        cgnutls_transport_set_int(session, descriptor)
        var status: Int32
        while true {
            status = gnutls_handshake(session)
            guard status < 0, gnutls_error_is_fatal(status) == 0 else { break }
            if status == GNUTLS_E_AGAIN { try waitForSocket() }
        }
        if status < 0 {
            let reason =
                status == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR
                ? "the server's certificate is not trusted (\(trust)): \(verificationProblem())" : String(cString: gnutls_strerror(status))
            throw HTTPClient.Failure(description: "TLS handshake with \(host): \(reason)")
        }
    }

    /// GnuTLS's words for why the certificate was refused (an unknown issuer, a wrong name, a date).
    private func verificationProblem() -> String {
        var text = gnutls_datum_t()
        let status = gnutls_session_get_verify_cert_status(session)
        guard gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) >= 0, let data = text.data else {
            return "status \(status)"
        }
        defer { free(data) }
        return String(cString: data)
    }

    /// Waits, within the deadline, for the socket in the direction GnuTLS was interrupted in.
    private func waitForSocket() throws(HTTPClient.Failure) {
        try deadline.wait(descriptor, writing: gnutls_record_get_direction(session) == 1)
    }

    func write(_ bytes: [UInt8]) throws(HTTPClient.Failure) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { gnutls_record_send(session, $0.baseAddress, $0.count) }
            if sent == Int(GNUTLS_E_INTERRUPTED) { continue }
            if sent == Int(GNUTLS_E_AGAIN) {
                try waitForSocket()
                continue
            }
            guard sent > 0 else { throw HTTPClient.Failure(description: "sending: \(String(cString: gnutls_strerror(Int32(sent))))") }
            offset += sent
        }
    }

    func read(into buffer: inout [UInt8]) throws(HTTPClient.Failure) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { gnutls_record_recv(session, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            // A server that closes without a TLS close_notify has still sent its whole answer.
            if count == Int(GNUTLS_E_PREMATURE_TERMINATION) { return 0 }
            if count == Int(GNUTLS_E_INTERRUPTED) { continue }
            // AGAIN: the socket has nothing yet, or GnuTLS consumed a message that carries no
            // data (a TLS 1.3 NewSessionTicket after the handshake, a key update). Both wait.
            if count == Int(GNUTLS_E_AGAIN) {
                try waitForSocket()
                continue
            }
            throw HTTPClient.Failure(description: "reading: \(String(cString: gnutls_strerror(Int32(count))))")
        }
    }

    func finish() {
        _ = gnutls_bye(session, GNUTLS_SHUT_WR)
    }

    deinit {
        if let session { gnutls_deinit(session) }
        if let credentials { gnutls_certificate_free_credentials(credentials) }
        free(verifiedName)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
