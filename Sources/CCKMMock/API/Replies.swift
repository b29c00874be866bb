import CCKMCore
import HTTPServer
import Logging

/// What every handler needs to answer: CM's envelope for an error, under the request's id, and
/// the one deferred reply. The one place an unexpected error is logged and becomes a 500.
package struct Replies: Sendable {
    let logger: Logger

    package init(logger: Logger) {
        self.logger = logger
    }

    /// The envelope's `requestID` is the request's own, the `X-Request-ID` it is answered with.
    func response(for error: APIError, _ context: RequestContext) -> HTTPResponse {
        .json(error.status, error.json(requestID: context.id), headers: error.headers)
    }

    /// Runs `body`, turning errors into CM envelopes.
    func guarded(_ request: HTTPRequest, _ context: RequestContext, _ body: () throws -> HTTPReply) -> HTTPReply {
        do {
            return try body()
        } catch {
            return .now(response(for: error, to: request, context))
        }
    }

    /// Any error as the client sees it: an `APIError` as its CM envelope. This is the one place
    /// an unexpected error becomes a 500; it is logged, never shown raw.
    func response(for error: any Error, to request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
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
                    metadata: ["path": "\(request.path)", "requestID": "\(context.id)"])
            }
            return response(for: error, context)
        }
        logger.error(
            "unexpected error",
            metadata: ["method": "\(request.method)", "path": "\(request.path)", "requestID": "\(context.id)", "error": "\(error)"])
        return response(for: .internalError(), context)
    }

    /// The one deferred reply: `submit` hands the work to the engine with a `finish`, which answers
    /// `status` with the JSON it gets, or the error's CM envelope under the request's id.
    func later(
        _ call: Call, status: Int,
        _ submit: @escaping @Sendable (_ finish: @escaping @Sendable (Result<String, any Error>) -> Void) -> Void
    ) -> HTTPReply {
        let (request, context) = (call.request, call.context)
        return .later { deliver in
            submit { result in
                switch result {
                case .success(let document): deliver(.json(status, document))
                case .failure(let error): deliver(self.response(for: error, to: request, context))
                }
            }
        }
    }
}
