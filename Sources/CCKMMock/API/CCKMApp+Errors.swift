import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer
import Logging
import Synchronization

/// How errors leave the app: the CM envelope for every error, the answers to requests the HTTP
/// layer refuses before routing, and the one place an unexpected error is logged as a 500.
extension CCKMApp {
    public func respondToOversizedBody(_ request: HTTPRequest, limit: Int) -> HTTPResponse {
        let context = requestIDs.context()
        return identified(replies.response(for: .payloadTooLarge(limit: limit), context), request, context)
    }

    public func respondToRefusedHead(_ request: HTTPRequest, part: HTTPHeadPart, limit: Int) -> HTTPResponse {
        let context = requestIDs.context()
        return identified(replies.response(for: refusal(part, limit: limit), context), request, context)
    }

    func refusal(_ part: HTTPHeadPart, limit: Int) -> APIError {
        switch part {
        case .queryParameters:
            return APIError(
                status: part.status, code: 15, name: "NCERRBadRequest", description: "Bad request",
                message: "The query has more than the limit of \(limit) parameters")
        case .pathWithNUL:
            return .badRequest("The path holds an encoded NUL (%00)")
        case .ambiguousLength:
            return .badRequest("The body's length is given twice (Content-Length and Transfer-Encoding, or two Content-Lengths), or not at all")
        case .transferCoding:
            return APIError(
                status: part.status, code: 15, name: "NCERRNotImplemented", description: "Not implemented",
                message: "Transfer-Encoding other than chunked is not supported")
        case .malformedHeader:
            return .badRequest("A header's name is not a token, or its value holds a NUL, CR or LF")
        case .host:
            return .badRequest(
                "The Host header must be given once (HTTP version 1.1 requires it), as a host name or address with an optional :port")
        case .target, .headers:
            return .headTooLarge(status: part.status, part: part.rawValue, limit: limit)
        }
    }

    /// Plain HTTP on the HTTPS port: CM's 400 envelope naming the `https://` URL of what was
    /// asked for, with the host the client used (loopback and the port when it sent none).
    public func respondToPlainHTTP(_ request: HTTPRequest, target: String, port: Int) -> HTTPResponse {
        let authority = request.headers["Host"] ?? "127.0.0.1:\(port)"
        let context = requestIDs.context()
        let error = APIError(
            status: 400, code: 15, name: "NCERRBadRequest", description: "Bad request",
            message:
                "This port speaks HTTPS: use https://\(authority)\(target) (curl -k, or trust the certificate at https://\(authority)/__admin/tls/cert.pem), or serve with --tls off"
        )
        return identified(replies.response(for: error, context), request, context)
    }

    public func respondWhileStopping() -> HTTPResponse {
        replies.response(
            for: APIError(
                status: 503, code: 14, name: "NCERRServiceUnavailable", description: "Service unavailable", message: "The mock is stopping"),
            requestIDs.context())
    }
}
