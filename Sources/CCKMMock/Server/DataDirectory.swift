import HTTPServer

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the mock keeps in its data directory besides the database: the JWT signing key and the
/// generated TLS certificate. Made on first start, reused after, so tokens and pinned
/// certificates survive restarts. A throwaway (`:memory:`) store makes fresh ones each start.
struct DataDirectory {
    static let signingKeyFile = "jwt-signing.key"
    static let certificateFile = "tls-cert.pem"
    static let privateKeyFile = "tls-key.pem"

    /// nil for an in-memory store.
    let path: String?

    /// 32 random bytes, kept as hex.
    func signingKey() throws -> [UInt8] {
        guard let path else { return Crypto.randomBytes(32) }
        let file = path + "/" + Self.signingKeyFile
        if let text = try? String(contentsOfFile: file, encoding: .utf8), let key = hexBytes(text), key.count == 32 {
            return key
        }
        let key = Crypto.randomBytes(32)
        try writePrivate(Hex.digits(key), to: file)
        return key
    }

    /// The stored self-signed certificate if it covers `names`; otherwise a new one, stored.
    /// Returns it with the certificate file's path (nil when nothing is stored).
    func certificate(names: [String]) throws -> (identity: TLSIdentity, path: String?) {
        guard let path else { return (try TLSIdentity.selfSigned(names: names), nil) }
        let certificateFile = path + "/" + Self.certificateFile
        let keyFile = path + "/" + Self.privateKeyFile
        if let certificate = try? String(contentsOfFile: certificateFile, encoding: .utf8),
            let key = try? String(contentsOfFile: keyFile, encoding: .utf8)
        {
            let stored = TLSIdentity(certificatePEM: certificate, privateKeyPEM: key)
            if let facts = try? stored.inspect(), Set(names).isSubset(of: facts.subjectAltNames) {
                return (stored, certificateFile)
            }
        }
        let made = try TLSIdentity.selfSigned(names: names)
        try writePrivate(made.privateKeyPEM, to: keyFile)
        try made.certificatePEM.write(toFile: certificateFile, atomically: true, encoding: .utf8)
        return (made, certificateFile)
    }

    private func writePrivate(_ text: String, to file: String) throws {
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
    }

    private func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8.filter { $0 != 0x0A && $0 != 0x20 })
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for start in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[start..<start + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
