import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// HS256 JSON Web Tokens (RFC 7519), signed with HMAC-SHA256 from GnuTLS.
public enum JWT {
    public enum Failure: Error, Equatable {
        case malformed
        case unsupportedAlgorithm
        case badSignature
    }

    /// `header.claims.signature`, the header `{"alg":"HS256","typ":"JWT"}`.
    public static func sign(claims: String, key: [UInt8]) -> String {
        let input = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        return input + "." + Base64URL.encode(Crypto.hmacSHA256(key: key, message: Array(input.utf8)))
    }

    /// The claims of a token whose header says HS256 and whose signature checks out under `key`.
    /// Nothing else is checked here: expiry and revocation are the caller's.
    static func verify(_ token: String, key: [UInt8]) throws(Failure) -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let claimBytes = Base64URL.decode(parts[1]),
            let header = try? JSONParser.parse(headerBytes)
        else { throw .malformed }
        // Another spelling of the signature (a non-canonical last digit) is a wrong signature.
        guard let signature = Base64URL.decode(parts[2]) else { throw .badSignature }
        // Only HS256: accepting the header's word for "none" or another algorithm is the classic JWT hole.
        guard header["alg"]?.stringValue == "HS256" else { throw .unsupportedAlgorithm }
        let input = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard Crypto.constantTimeEquals(signature, Crypto.hmacSHA256(key: key, message: input)) else { throw .badSignature }
        guard let claims = try? JSONParser.parse(claimBytes), claims.objectValue != nil else { throw .malformed }
        return claims
    }
}
