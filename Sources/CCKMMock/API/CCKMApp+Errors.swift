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
        let id = requestIDs.next()
        return identified(Self.$requestID.withValue(id) { response(for: .payloadTooLarge(limit: limit)) }, request, id: id, since: .now)
    }

    public func respondToRefusedHead(_ request: HTTPRequest, part: HTTPHeadPart, limit: Int) -> HTTPResponse {
        let id = requestIDs.next()
        return identified(Self.$requestID.withValue(id) { refusal(part, limit: limit) }, request, id: id, since: .now)
    }

    func refusal(_ part: HTTPHeadPart, limit: Int) -> HTTPResponse {
        switch part {
        case .queryParameters:
            return response(
                for: APIError(
                    status: part.status, code: 15, name: "NCERRBadRequest", description: "Bad request",
                    message: "The query has more than the limit of \(limit) parameters"))
        case .pathWithNUL:
            return response(for: .badRequest("The path holds an encoded NUL (%00)"))
        case .ambiguousLength:
            return response(
                for: .badRequest("The body's length is given twice (Content-Length and Transfer-Encoding, or two Content-Lengths), or not at all"))
        case .transferCoding:
            return response(
                for: APIError(
                    status: part.status, code: 15, name: "NCERRNotImplemented", description: "Not implemented",
                    message: "Transfer-Encoding other than chunked is not supported"))
        case .malformedHeader:
            return response(for: .badRequest("A header's name is not a token, or its value holds a NUL, CR or LF"))
        case .host:
            return response(
                for: .badRequest(
                    "The Host header must be given once (HTTP version 1.1 requires it), as a host name or address with an optional :port"))
        case .target, .headers:
            return response(for: .headTooLarge(status: part.status, part: part.rawValue, limit: limit))
        }
    }

    public func respondWhileStopping() -> HTTPResponse {
        response(
            for: APIError(status: 503, code: 14, name: "NCERRServiceUnavailable", description: "Service unavailable", message: "The mock is stopping")
        )
    }

    /// The envelope's `requestID` is the request's own, the `X-Request-ID` it is answered with.
    func response(for error: APIError) -> HTTPResponse {
        .json(error.status, error.json(requestID: Self.requestID ?? requestIDs.next()), headers: error.headers)
    }

    /// Runs `body`, turning errors into CM envelopes.
    func guarded(_ request: HTTPRequest, _ body: () throws -> HTTPReply) -> HTTPReply {
        do {
            return try body()
        } catch {
            return .now(response(for: error, to: request))
        }
    }

    /// Any error as the client sees it: an `APIError` as its CM envelope. This is the one place
    /// an unexpected error becomes a 500; it is logged, never shown raw.
    func response(for error: any Error, to request: HTTPRequest) -> HTTPResponse {
        if let error = APIError(error) {
            if error.status == 507 {
                logger.error("the disk is full: writes are refused until there is room", metadata: ["path": "\(request.path)"])
            }
            // CM's message stays CM's; the mock's own way out goes to the log.
            if error.status == 409, request.method == "POST", let match = Self.routes.match(request.path), match.family != nil,
                match.parameters.isEmpty
            {
                logger.info(
                    "start refused while a job of the family runs; serve --allow-concurrent-jobs lifts the rule",
                    metadata: ["path": "\(request.path)", "requestID": "\(Self.requestID ?? "-")"])
            }
            return response(for: error)
        }
        logger.error(
            "unexpected error",
            metadata: ["method": "\(request.method)", "path": "\(request.path)", "requestID": "\(Self.requestID ?? "-")", "error": "\(error)"])
        return response(for: .internalError())
    }
}
