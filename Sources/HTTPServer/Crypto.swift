import CGnuTLS

/// The few cryptographic primitives the mock needs, from GnuTLS (already linked by libmicrohttpd),
/// so that no Swift crypto package is pulled in.
public enum Crypto {
    /// HMAC-SHA256 of `message` under `key` (32 bytes).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        let status = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                digest.withUnsafeMutableBytes { out in
                    gnutls_hmac_fast(
                        GNUTLS_MAC_SHA256, keyBytes.baseAddress, keyBytes.count, messageBytes.baseAddress, messageBytes.count, out.baseAddress)
                }
            }
        }
        // Fails only for an unknown algorithm or no memory; SHA-256 is always built in.
        precondition(status == 0, "gnutls_hmac_fast failed: \(GnuTLSError(code: status, operation: "hmac"))")
        return digest
    }

    /// `count` bytes from GnuTLS's key-grade generator.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBytes { gnutls_rnd(GNUTLS_RND_KEY, $0.baseAddress, $0.count) }
        precondition(status == 0, "gnutls_rnd failed: \(GnuTLSError(code: status, operation: "rnd"))")
        return bytes
    }

    /// Equal contents, in time that does not depend on where they differ.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// A GnuTLS call that failed: which, and GnuTLS's own words. The one funnel from its error codes.
public struct GnuTLSError: Error, CustomStringConvertible {
    public let code: Int32
    public let operation: String

    public var description: String { "\(operation): \(String(cString: gnutls_strerror(code)))" }

    static func check(_ code: Int32, _ operation: String) throws(GnuTLSError) {
        guard code >= 0 else { throw GnuTLSError(code: code, operation: operation) }
    }
}
