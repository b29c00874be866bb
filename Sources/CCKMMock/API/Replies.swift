import CCKMCore
import HTTPServer
import Logging

/// What every handler needs to answer: CM's envelope for an error, under the request's id, and
/// the one deferred reply. The one place an unexpected error is logged and becomes a 500.
struct Replies: Sendable {
    let logger: Logger
    let requestIDs: RequestIDs

    /// The envelope's `requestID` is the request's own, the `X-Request-ID` it is answered with.
    func response(for error: APIError) -> HTTPResponse {
        .json(error.status, error.json(requestID: CCKMApp.requestID ?? requestIDs.next()), headers: error.headers)
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
            if error.status == 409, request.method == "POST", let match = CCKMApp.routes.match(request.path), match.family != nil,
                match.parameters.isEmpty
            {
                logger.info(
                    "start refused while a job of the family runs; serve --allow-concurrent-jobs lifts the rule",
                    metadata: ["path": "\(request.path)", "requestID": "\(CCKMApp.requestID ?? "-")"])
            }
            return response(for: error)
        }
        logger.error(
            "unexpected error",
            metadata: ["method": "\(request.method)", "path": "\(request.path)", "requestID": "\(CCKMApp.requestID ?? "-")", "error": "\(error)"])
        return response(for: .internalError())
    }

    /// The one deferred reply: `submit` hands the work to the engine with a `finish`, which answers
    /// `status` with the JSON it gets, or the error's CM envelope under the request's id.
    func later(
        _ request: HTTPRequest, status: Int,
        _ submit: @escaping @Sendable (_ finish: @escaping @Sendable (Result<String, any Error>) -> Void) -> Void
    ) -> HTTPReply {
        let id = CCKMApp.requestID
        return .later { deliver in
            submit { result in
                switch result {
                case .success(let document): deliver(.json(status, document))
                case .failure(let error): deliver(CCKMApp.$requestID.withValue(id) { self.response(for: error, to: request) })
                }
            }
        }
    }

}
