import CCKMCore
import CCKMEngine
import CCKMStore

/// An error as CipherTrust Manager reports it: HTTP status plus the JSON envelope
/// `{"code","codeDesc","message","requestID"}`. Every failure the mock answers goes through here.
struct APIError: Error, Equatable, Sendable, CustomStringConvertible {
    var status: Int
    var code: Int
    /// `NCERR…` name and its fixed description, e.g. `NCERRResourceNotFound: Resource not found`.
    var codeDesc: String
    var message: String
    /// Extra response headers (`Allow` on 405).
    var headers: [(String, String)] = []

    static func == (lhs: APIError, rhs: APIError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.codeDesc == rhs.codeDesc && lhs.message == rhs.message
    }

    init(status: Int, code: Int, name: String, description: String, message: String, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.codeDesc = name + ": " + description
        self.message = message
        self.headers = headers
    }

    /// 400, code 15: the request as a whole is malformed.
    static func badRequest(_ message: String) -> APIError {
        APIError(status: 400, code: 15, name: "NCERRBadRequest", description: "Bad request", message: message)
    }

    /// 400, code 9: one parameter's value is wrong; the message names it.
    static func invalidParameter(_ name: String, _ why: String) -> APIError {
        APIError(
            status: 400, code: 9, name: "NCERRInvalidParamValue", description: "Invalid parameter value",
            message: "Invalid value for parameter \"\(name)\": \(why)")
    }

    /// 404, code 16.
    static func notFound(_ message: String = "Resource not found") -> APIError {
        APIError(status: 404, code: 16, name: "NCERRResourceNotFound", description: "Resource not found", message: message)
    }

    /// 403, code 7 *(chosen)*: the request is understood and refused for where it comes from.
    static func forbidden(_ message: String) -> APIError {
        APIError(status: 403, code: 7, name: "NCERRForbidden", description: "Forbidden", message: message)
    }

    /// 405 with the `Allow` header listing what the path accepts.
    static func methodNotAllowed(_ method: String, allowed: [String]) -> APIError {
        APIError(
            status: 405, code: 15, name: "NCERRMethodNotAllowed", description: "Method not allowed",
            message: "Method \(method) is not allowed here; allowed: \(allowed.joined(separator: ", "))",
            headers: [("Allow", allowed.joined(separator: ", "))])
    }

    /// 409 *(chosen, docs/api.md)*: the request clashes with the state of a job.
    static func conflict(_ message: String) -> APIError {
        APIError(status: 409, code: 11, name: "NCERRConflict", description: "Conflict", message: message)
    }

    /// 413: the body passed the server's cap.
    static func payloadTooLarge(limit: Int) -> APIError {
        APIError(
            status: 413, code: 15, name: "NCERRBadRequest", description: "Bad request",
            message: "Request body is larger than the limit of \(limit) bytes")
    }

    /// 414 or 431, code 15: a request target or header block past the server's limit.
    static func headTooLarge(status: Int, part: String, limit: Int) -> APIError {
        APIError(
            status: status, code: 15, name: "NCERRBadRequest", description: "Bad request",
            message: "The \(part) is larger than the limit of \(limit) bytes")
    }

    /// 507: the store's disk is full; nothing of the request was stored.
    static let diskFull = APIError(
        status: 507, code: 14, name: "NCERRInsufficientStorage", description: "Insufficient storage",
        message: "The mock's disk is full; nothing of this request was stored")

    /// 500, code 14: something the mock did not expect; logged where it is made.
    static func internalError(_ message: String = "Internal server error") -> APIError {
        APIError(status: 500, code: 14, name: "NCERRInternalServerError", description: "Internal server error", message: message)
    }

    /// The envelope's JSON, fields in CM's order.
    func json(requestID: String) -> String {
        JSONWriter.object([
            ("code", .number(code)), ("codeDesc", .string(codeDesc)), ("message", .string(message)), ("requestID", .string(requestID)),
        ])
    }
}

extension APIError {
    /// The message, as a refused scheduler run records it.
    var description: String { message }
}
