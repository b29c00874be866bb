import CCKMCore
import CCKMEngine
import CCKMStore

/// The one place where the errors of the mock's own layers (store, clock, planner, login) become
/// CM envelopes: those layers know nothing of HTTP or CM's codes, and the API edge answers with
/// what this says. An error not named here is unexpected: the edge logs it and answers 500.
extension APIError {
    init?(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as InputError:
            self = APIError(error)
        case let error as StoreError:
            switch error {
            case .notFound(let message): self = message.map { APIError.notFound($0) } ?? .notFound()
            case .conflict(let message): self = .conflict(message)
            case .diskFull: self = .diskFull
            case .missingDocument, .corruptDocument: return nil
            }
        case let error as ClockError:
            switch error {
            case .systemClock: self = .conflict("The clock is the system clock; start the mock with --clock manual to move it")
            case .invalidSeconds(let reason): self = .invalidParameter("seconds", reason)
            case .pastEnd(let message): self = .conflict(message)
            }
        case let error as PlanError:
            switch error {
            case .unknownTarget(let message): self = .notFound(message)
            case .tooManyTargets(let message): self = .badRequest(message)
            }
        case let error as AuthError:
            switch error {
            case .badRequest(let message): self = .badRequest(message)
            case .invalidParameter(let name, let reason): self = .invalidParameter(name, reason)
            case .wrongCredentials: self = .wrongCredentials
            case .invalidRefreshToken:
                self = APIError(
                    status: 401, code: 5, name: "NCERRUnauthorizedAccess", description: "Unauthorized access", message: "Invalid refresh token.")
            case .unknownRefreshToken: self = .notFound("Unknown refresh token")
            case .unknownDomain(let name): self = .notFound("Unknown domain \"\(name)\"")
            case .unauthorized(let message): self = .unauthorized(message)
            }
        default:
            return nil
        }
    }
}

extension APIError {
    /// A client's input refused by the core's parsers, as CM refuses it.
    init(_ error: InputError) {
        switch error {
        case .badRequest(let message): self = .badRequest(message)
        case .invalidParameter(let name, let why): self = .invalidParameter(name, why)
        case .notFound(let message): self = .notFound(message)
        case .conflict(let message): self = .conflict(message)
        }
    }

    /// 401, code 5: CM's answer to a wrong username, password or domain.
    static let wrongCredentials = APIError(
        status: 401, code: 5, name: "NCERRUnauthorizedAccess", description: "Unauthorized access", message: "Wrong username or password.",
        headers: [("WWW-Authenticate", "Bearer")])

    /// 401, code 1: a missing, malformed, badly signed, expired or revoked bearer token.
    static func unauthorized(_ message: String) -> APIError {
        APIError(
            status: 401, code: 1, name: "NCERRUnauthorized", description: "Unauthorized", message: message,
            headers: [("WWW-Authenticate", "Bearer")])
    }
}
