import CCKMCore
import CCKMEngine
import CCKMStore

/// Why a login, a revocation or a bearer token was refused; the API edge turns each into CM's answer.
enum AuthError: Error, Equatable {
    /// A body that is not what the call takes, in words.
    case badRequest(String)
    /// A member with a value the call does not take.
    case invalidParameter(String, String)
    /// A wrong username, password or domain.
    case wrongCredentials
    case invalidRefreshToken
    case unknownRefreshToken
    case unknownDomain(String)
    /// A missing, malformed, badly signed, expired or revoked bearer token, in words.
    case unauthorized(String)
}
