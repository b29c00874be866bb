import CGnuTLS

#if canImport(Glibc)
    import Glibc
#endif

/// A certificate and its private key, in PEM, as the server presents them.
public struct TLSIdentity: Sendable, Equatable {
    public var certificatePEM: String
    public var privateKeyPEM: String

    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// A new self-signed ECDSA P-256 certificate for `names` (DNS names or IP literals), valid from
    /// a day ago for ten years, for TLS servers.
    public static func selfSigned(names: [String], commonName: String = "cckm-mock") throws(GnuTLSError) -> TLSIdentity {
        var key: gnutls_x509_privkey_t?
        var certificate: gnutls_x509_crt_t?
        try GnuTLSError.check(gnutls_x509_privkey_init(&key), "privkey_init")
        defer { gnutls_x509_privkey_deinit(key) }
        try GnuTLSError.check(gnutls_x509_crt_init(&certificate), "crt_init")
        defer { gnutls_x509_crt_deinit(certificate) }

        try GnuTLSError.check(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, cgnutls_p256_bits(), 0), "privkey_generate")
        try GnuTLSError.check(gnutls_x509_crt_set_version(certificate, 3), "set_version")
        let serial = Crypto.randomBytes(16).enumerated().map { $0.offset == 0 ? $0.element & 0x7F : $0.element }
        try GnuTLSError.check(serial.withUnsafeBytes { gnutls_x509_crt_set_serial(certificate, $0.baseAddress, $0.count) }, "set_serial")
        let now = time(nil)
        try GnuTLSError.check(gnutls_x509_crt_set_activation_time(certificate, now - 86_400), "set_activation_time")
        try GnuTLSError.check(gnutls_x509_crt_set_expiration_time(certificate, now + 10 * 365 * 86_400), "set_expiration_time")
        try GnuTLSError.check(gnutls_x509_crt_set_dn(certificate, "CN=\(commonName)", nil), "set_dn")
        try GnuTLSError.check(gnutls_x509_crt_set_key(certificate, key), "set_key")
        for name in names {
            if let address = ipAddressBytes(name) {
                try GnuTLSError.check(
                    address.withUnsafeBytes {
                        gnutls_x509_crt_set_subject_alt_name(
                            certificate, GNUTLS_SAN_IPADDRESS, $0.baseAddress, UInt32($0.count), UInt32(GNUTLS_FSAN_APPEND))
                    }, "set_subject_alt_name")
            } else {
                try GnuTLSError.check(
                    gnutls_x509_crt_set_subject_alt_name(certificate, GNUTLS_SAN_DNSNAME, name, UInt32(name.utf8.count), UInt32(GNUTLS_FSAN_APPEND)),
                    "set_subject_alt_name")
            }
        }
        try GnuTLSError.check(gnutls_x509_crt_set_basic_constraints(certificate, 0, -1), "set_basic_constraints")
        try GnuTLSError.check(gnutls_x509_crt_set_key_usage(certificate, UInt32(GNUTLS_KEY_DIGITAL_SIGNATURE)), "set_key_usage")
        try GnuTLSError.check(gnutls_x509_crt_set_key_purpose_oid(certificate, "1.3.6.1.5.5.7.3.1", 0), "set_key_purpose_oid")
        try GnuTLSError.check(gnutls_x509_crt_sign2(certificate, certificate, key, GNUTLS_DIG_SHA256, 0), "sign")
        return TLSIdentity(
            certificatePEM: try export { gnutls_x509_crt_export2(certificate, GNUTLS_X509_FMT_PEM, $0) },
            privateKeyPEM: try export { gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, $0) })
    }

    /// Checks that both parse and belong together; returns the certificate's facts.
    public func inspect() throws(GnuTLSError) -> CertificateFacts {
        var certificate: gnutls_x509_crt_t?
        var key: gnutls_x509_privkey_t?
        try GnuTLSError.check(gnutls_x509_crt_init(&certificate), "crt_init")
        defer { gnutls_x509_crt_deinit(certificate) }
        try GnuTLSError.check(gnutls_x509_privkey_init(&key), "privkey_init")
        defer { gnutls_x509_privkey_deinit(key) }
        try GnuTLSError.check(withDatum(certificatePEM) { gnutls_x509_crt_import(certificate, $0, GNUTLS_X509_FMT_PEM) }, "certificate")
        try GnuTLSError.check(withDatum(privateKeyPEM) { gnutls_x509_privkey_import2(key, $0, GNUTLS_X509_FMT_PEM, nil, 0) }, "private key")
        var certificateKeyID = [UInt8](repeating: 0, count: 64)
        var privateKeyID = [UInt8](repeating: 0, count: 64)
        var certificateKeyIDSize = 64
        var privateKeyIDSize = 64
        try GnuTLSError.check(gnutls_x509_crt_get_key_id(certificate, 0, &certificateKeyID, &certificateKeyIDSize), "certificate key id")
        try GnuTLSError.check(gnutls_x509_privkey_get_key_id(key, 0, &privateKeyID, &privateKeyIDSize), "private key id")
        guard certificateKeyID.prefix(certificateKeyIDSize) == privateKeyID.prefix(privateKeyIDSize) else {
            throw GnuTLSError(code: GNUTLS_E_CERTIFICATE_KEY_MISMATCH, operation: "certificate and private key")
        }
        var fingerprint = [UInt8](repeating: 0, count: 32)
        var fingerprintSize = 32
        try GnuTLSError.check(gnutls_x509_crt_get_fingerprint(certificate, GNUTLS_DIG_SHA256, &fingerprint, &fingerprintSize), "fingerprint")
        var names: [String] = []
        for index in 0..<64 {
            var buffer = [UInt8](repeating: 0, count: 256)
            var size = buffer.count
            let kind = gnutls_x509_crt_get_subject_alt_name(certificate, UInt32(index), &buffer, &size, nil)
            if kind < 0 { break }
            if kind == Int32(GNUTLS_SAN_DNSNAME.rawValue) {
                names.append(String(decoding: buffer.prefix(size), as: UTF8.self))
            } else if kind == Int32(GNUTLS_SAN_IPADDRESS.rawValue) {
                names.append(ipAddressText(Array(buffer.prefix(size))))
            }
        }
        return CertificateFacts(sha256Fingerprint: fingerprint, subjectAltNames: names)
    }

    private static func export(_ body: (UnsafeMutablePointer<gnutls_datum_t>) -> Int32) throws(GnuTLSError) -> String {
        var datum = gnutls_datum_t()
        try GnuTLSError.check(body(&datum), "export")
        defer { cgnutls_free_datum(&datum) }
        return String(decoding: UnsafeBufferPointer(start: datum.data, count: Int(datum.size)), as: UTF8.self)
    }

    private func withDatum(_ text: String, _ body: (UnsafePointer<gnutls_datum_t>) -> Int32) -> Int32 {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            var datum = gnutls_datum_t(data: buffer.baseAddress, size: UInt32(buffer.count))
            return body(&datum)
        }
    }
}

/// What a certificate says about itself.
public struct CertificateFacts: Sendable, Equatable {
    var sha256Fingerprint: [UInt8]
    /// DNS names and IP addresses, as text.
    public var subjectAltNames: [String]

    /// `AB:CD:…`, as browsers and `openssl x509 -fingerprint -sha256` print it.
    public var fingerprintText: String {
        sha256Fingerprint.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}

/// The address's bytes if `text` is an IPv4 or IPv6 literal.
private func ipAddressBytes(_ text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
    return nil
}

private func ipAddressText(_ bytes: [UInt8]) -> String {
    var text = [CChar](repeating: 0, count: 64)
    let family = bytes.count == 4 ? AF_INET : AF_INET6
    _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
