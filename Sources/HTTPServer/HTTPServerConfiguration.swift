/// How the server listens and what it protects itself against.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind: an IP literal or a name that resolves (`localhost`).
    public var host: String
    /// Port to bind; 0 lets the kernel pick a free one (read it back from `HTTPServer.port`).
    public var port: Int
    /// Worker threads, each with its own epoll loop.
    public var threads: Int
    /// Connections open at once, over all clients; further ones are refused at accept.
    public var connectionLimit: Int
    /// Connections open at once from one IP address; 0 for no limit.
    public var perIPConnectionLimit: Int
    /// Seconds a connection may stay idle before it is closed (libmicrohttpd's timer, which any
    /// byte received restarts).
    public var idleTimeoutSeconds: Int
    /// Seconds a request's head and body may take to arrive in all, however steadily they trickle;
    /// a connection past it is closed. 0 for no deadline.
    public var requestTimeoutSeconds: Int
    /// Most query parameters a request may carry; more get `respondToRefusedHead` (414) with the
    /// query cut off. libmicrohttpd keeps a record per parameter in the connection's memory, and
    /// past roughly 900 it ran out and never answered.
    var maxQueryParameters: Int
    /// Largest request body accepted; larger ones are answered by `respondToOversizedBody`.
    public var maxBodyBytes: Int
    /// Longest request target (path and query, decoded) answered normally; longer ones are
    /// answered by `respondToRefusedHead` (414).
    var maxURLBytes: Int
    /// Largest header block (names and values) answered normally; larger ones are answered by
    /// `respondToRefusedHead` (431).
    var maxHeaderBytes: Int
    /// libmicrohttpd's memory for one connection. Heads past it get libmicrohttpd's own HTML 414
    /// or 431, so it is kept above `maxURLBytes` and `maxHeaderBytes` (64 KB takes a 63,000-byte
    /// URL or header). Not more: libmicrohttpd zeroes all of it between two requests on a
    /// kept-alive connection, and at 256 KB that was a quarter of the CPU time of cached reads.
    var connectionMemoryBytes: Int
    /// Serve HTTPS with this certificate (TLS 1.2 and 1.3 only); nil serves plain HTTP.
    public var tls: TLSIdentity?
    /// libmicrohttpd's own messages, a line each, on its event-loop threads: a TLS handshake that
    /// failed (plain HTTP sent to the HTTPS port), a connection it refused. Must not block.
    public var libraryMessages: (@Sendable (String) -> Void)?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8443,
        threads: Int = 2,
        connectionLimit: Int = 4096,
        perIPConnectionLimit: Int = 0,
        idleTimeoutSeconds: Int = 30,
        requestTimeoutSeconds: Int = 10,
        maxQueryParameters: Int = 256,
        maxBodyBytes: Int = 1 << 20,
        maxURLBytes: Int = 32 << 10,
        maxHeaderBytes: Int = 32 << 10,
        connectionMemoryBytes: Int = 64 << 10,
        tls: TLSIdentity? = nil
    ) {
        self.tls = tls
        self.host = host
        self.port = port
        self.threads = threads
        self.connectionLimit = connectionLimit
        self.perIPConnectionLimit = perIPConnectionLimit
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.maxQueryParameters = maxQueryParameters
        self.maxBodyBytes = maxBodyBytes
        self.maxURLBytes = maxURLBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.connectionMemoryBytes = connectionMemoryBytes
    }
}

/// Why the server could not start.
public enum HTTPServerError: Error, CustomStringConvertible, Equatable {
    case cannotResolve(host: String, reason: String)
    case cannotListen(host: String, port: Int, reason: String)
    case daemonFailed(reason: String)

    public var description: String {
        switch self {
        case .cannotResolve(let host, let reason): "cannot resolve host \(host): \(reason)"
        case .cannotListen(let host, let port, let reason): "cannot listen on \(host):\(port): \(reason)"
        case .daemonFailed(let reason): "cannot start the HTTP daemon: \(reason)"
        }
    }
}
