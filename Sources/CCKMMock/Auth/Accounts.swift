import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// Who may log in, and the domains (tenants) they may log in to. The root domain always exists.
public struct Accounts: Sendable, Equatable {
    static let rootDomainID = "00000000-0000-0000-0000-000000000000"

    /// Username → password.
    public var users: [String: String]
    /// Domain names besides root.
    public var domains: [String]

    public init(users: [String: String] = ["admin": "admin"], domains: [String] = []) {
        self.users = users
        self.domains = domains
    }

    /// The domain's id as tokens carry it: all zeros for root, otherwise a UUID derived from the name,
    /// so that it is the same on every start and every machine.
    static func domainID(_ name: String) -> String {
        name == Job.rootDomain ? rootDomainID : namedUUID("domain", name)
    }

    static func userID(_ name: String) -> String { namedUUID("user", name) }

    func knowsDomain(_ name: String) -> Bool {
        name == Job.rootDomain || domains.contains(name)
    }
}

/// A version-4-shaped UUID from HMAC-SHA256 of a name: stable, and distinct per kind.
func namedUUID(_ kind: String, _ name: String) -> String {
    var generator = FixedBytes(Crypto.hmacSHA256(key: Array("cckm-mock \(kind)".utf8), message: Array(name.utf8)))
    return randomUUID(using: &generator)
}

/// Hands out given bytes as 64-bit numbers, so `randomUUID` can format a digest.
private struct FixedBytes: RandomNumberGenerator {
    var bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> UInt64 {
        defer { offset += 8 }
        return bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
