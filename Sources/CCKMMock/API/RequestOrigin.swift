import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// Which `Host` names the mock answers, and which browser pages may call its control API.
///
/// DNS rebinding: a page of `evil.example` whose name comes to resolve to 127.0.0.1 reaches the
/// mock with `Host: evil.example`; only a name the mock knows as its own is served. Cross-site
/// requests: a page of another origin can send a "simple" `no-cors` POST that the browser never
/// asks about (no preflight), and the control API acts on it; a control call that a browser marks
/// as coming from another origin is refused. Non-browser clients send neither `Origin` nor
/// `Sec-Fetch-Site` and are unaffected.
public struct HostPolicy: Sendable, Equatable {
    /// Names besides loopback and IP literals, lower case: the bound address, the machine's name,
    /// `--tls-san` names and `--allow-host` ones.
    public var names: Set<String>
    /// `--allow-host '*'`: every name is served.
    public var any: Bool

    public init(names: [String], any: Bool = false) {
        self.names = Set(names.map { $0.lowercased() })
        self.any = any
    }

    /// Every name: what in-process tests and embedders get unless they ask for the check.
    public static let anyHost = HostPolicy(names: [], any: true)

    /// Whether a `Host` header names this server. No header is accepted (HTTP/1.0 clients).
    public func allows(host header: String?) -> Bool {
        guard !any, let header, !header.isEmpty else { return true }
        // The usual case, a loopback address with a port, without building a string.
        if header.utf8.starts(with: "127.0.0.1:".utf8) || header.utf8.starts(with: "localhost:".utf8) { return true }
        let name = Self.name(of: header)
        if name == "localhost" || name.hasSuffix(".localhost") || Self.isIPLiteral(name) { return true }
        return names.contains(name)
    }

    /// The host of `name[:port]` or `[v6]:port`, lower case.
    static func name(of authority: String) -> String {
        let lowered = authority.lowercased()
        if lowered.hasPrefix("[") { return String(lowered.dropFirst().prefix { $0 != "]" }) }
        if let colon = lowered.lastIndex(of: ":"), lowered[lowered.index(after: colon)...].allSatisfy(\.isNumber) {
            return String(lowered[..<colon])
        }
        return lowered
    }

    /// A dotted IPv4 address or an IPv6 one (with colons): no DNS name, so no rebinding.
    static func isIPLiteral(_ name: String) -> Bool {
        if name.contains(":") { return name.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }
    }

    /// Why a browser's call is refused, or nil: it must come from the page of this very server
    /// (the dashboard), as `Origin` and `Sec-Fetch-Site` say. `who` names what refuses.
    static func crossOriginRefusal(_ request: HTTPRequest, who: String = "The control API") -> String? {
        if let site = request.headers["Sec-Fetch-Site"]?.lowercased(), site != "same-origin", site != "none" {
            return "\(who) answers no page of another origin (Sec-Fetch-Site: \(site))"
        }
        guard let origin = request.headers["Origin"] else { return nil }
        let authority = origin.lowercased().split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        guard origin.hasPrefix("http://") || origin.hasPrefix("https://"), let authority,
            authority == request.headers["Host"]?.lowercased()
        else { return "\(who) answers no page of another origin (Origin: \(origin.prefix(100)))" }
        return nil
    }
}
