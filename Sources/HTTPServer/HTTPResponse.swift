/// A complete response: status, headers and body, handed to the server in one piece.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response; the body is taken as UTF-8.
    public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")] + headers), body: Array(text.utf8))
    }
}

/// What a responder does with a request: answer now, answer later without holding a thread, or
/// hang up (a fault a test asked for).
public enum HTTPReply: Sendable {
    case now(HTTPResponse)
    /// The server suspends the connection and calls `start`; the responder calls `deliver` once,
    /// from any thread, with the response, or with nil to hang up. `then` runs on the connection's
    /// own thread once it resumes, before the response goes out: what the deliverer's thread (a
    /// database writer) should not spend its time on (logging, journaling, headers).
    case later(
        _ start: @Sendable (_ deliver: @escaping @Sendable (HTTPResponse?) -> Void) -> Void,
        then: @Sendable (HTTPResponse?) -> HTTPResponse? = { $0 })
    case hangUp
}

extension HTTPReply {
    /// The same reply with `transform` applied to its response when it comes: now, or on the
    /// connection's thread once a later one does. A hang-up stays one.
    public func map(_ transform: @escaping @Sendable (HTTPResponse) -> HTTPResponse) -> HTTPReply {
        switch self {
        case .now(let response): .now(transform(response))
        case .later(let start, let then): .later(start, then: { then($0).map(transform) })
        case .hangUp: .hangUp
        }
    }

    /// Hands the response to `deliver` (nil for a hang-up), now or when it comes: a reply made
    /// inside another reply's `start` (a call run off the event loops, a delayed fault).
    public func deliver(to deliver: @escaping @Sendable (HTTPResponse?) -> Void) {
        switch self {
        case .now(let response): deliver(response)
        case .later(let start, let then): start { deliver(then($0)) }
        case .hangUp: deliver(nil)
        }
    }
}

/// What the server calls for every request. Called on the server's threads, many at once, so
/// implementations must be thread-safe; they must also be quick, because they run synchronously.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) -> HTTPResponse

    /// The server's entry point; by default `.now(respond(to:))`.
    func reply(to request: HTTPRequest) -> HTTPReply

    /// The answer to a request whose body passed `limit` bytes; the body is not read further.
    func respondToOversizedBody(_ request: HTTPRequest, limit: Int) -> HTTPResponse

    /// The answer to a request refused before it is routed, for the `part` of its head at fault:
    /// a target or header block past its byte limit, too many query parameters, a NUL in the path.
    func respondToRefusedHead(_ request: HTTPRequest, part: HTTPHeadPart, limit: Int) -> HTTPResponse

    /// The answer to a request still waiting for a `.later` reply when the server stops.
    func respondWhileStopping() -> HTTPResponse

    /// The answer to plain HTTP sent to the HTTPS port, written without TLS: a 400 naming the
    /// `https://` URL of `target` (the request's target as sent; `request` has its method, path
    /// and `Host` header, as far as they came).
    func respondToPlainHTTP(_ request: HTTPRequest, target: String, port: Int) -> HTTPResponse
}

extension HTTPResponder {
    public func reply(to request: HTTPRequest) -> HTTPReply {
        .now(respond(to: request))
    }

    public func respondToOversizedBody(_ request: HTTPRequest, limit: Int) -> HTTPResponse {
        .json(413, #"{"message":"request body larger than \#(limit) bytes"}"#)
    }

    public func respondToRefusedHead(_ request: HTTPRequest, part: HTTPHeadPart, limit: Int) -> HTTPResponse {
        .json(part.status, #"{"message":"\#(part.rawValue) refused (limit \#(limit))"}"#)
    }

    public func respondWhileStopping() -> HTTPResponse {
        .json(503, #"{"message":"server is stopping"}"#)
    }

    public func respondToPlainHTTP(_ request: HTTPRequest, target: String, port: Int) -> HTTPResponse {
        .json(400, #"{"message":"this port speaks HTTPS"}"#)
    }
}

/// The part of a request's head that got it refused, with the status that says so.
public enum HTTPHeadPart: String, Sendable {
    case target = "request target"
    case headers = "header block"
    /// Too many query parameters (the limit is a count, not bytes).
    case queryParameters = "query"
    /// A `%00` in the path: libmicrohttpd decodes the path into a C string, which would end there
    /// (`/__admin/snapshots/a%00b` would name snapshot `a`).
    case pathWithNUL = "path"
    /// The body's end is given two ways (`Content-Length` and `Transfer-Encoding`, two lengths),
    /// or by a transfer coding that does not end in `chunked`: the connection is closed after.
    case ambiguousLength = "message framing"
    /// A transfer coding besides `chunked` (`gzip, chunked`): understood by HTTP, not by the mock.
    case transferCoding = "transfer coding"
    /// A header name that is not a token (`Host : x`), or a value with a NUL, CR or LF.
    case malformedHeader = "header"
    /// No `Host` in an HTTP/1.1 request, two of them, or one that is no `host[:port]`
    /// (`127.0.0.1:1@evil.example`): RFC 9112 section 3.2 asks for a 400.
    case host = "Host header"

    public var status: Int {
        switch self {
        case .target, .queryParameters: 414
        case .headers: 431
        case .pathWithNUL, .ambiguousLength, .malformedHeader, .host: 400
        case .transferCoding: 501
        }
    }
}
