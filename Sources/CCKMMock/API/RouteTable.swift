import HTTPServer

/// What is checked before an endpoint's handler runs, and what the request leaves behind.
enum Access: Sendable, Equatable {
    /// A CCKM job path: the bearer token gives the domain; fault rules apply; journaled.
    case cckm
    /// The scheduler's resources: as `cckm`.
    case scheduler
    /// Login and revocation: no token; fault rules apply; journaled.
    case auth
    /// The control API: the admin token when one is set, and the same origin; never faulted or journaled.
    case admin
    /// The control API's pages that hold no secret (health, dashboard, spec, certificate): same origin only.
    case adminOpen

    var isAdmin: Bool { self == .admin || self == .adminOpen }
    /// Whether the request acts in the domain of its token.
    var hasDomain: Bool { self == .cckm || self == .scheduler }
}

/// A request on its way to a handler: its path's parameters, and the domain its token gave.
struct Call: Sendable {
    let request: HTTPRequest
    /// The template's `{…}` values, in the template's order.
    let parameters: [String]
    /// The family of a CCKM path.
    let family: JobFamily?
    /// The token's domain for `cckm` and `scheduler` endpoints; root elsewhere.
    let domain: String

    /// The first `{…}` of the path (an id, a name).
    var id: String { parameters.first ?? "" }
    var query: AdminQuery { AdminQuery(request.query) }
    var body: [UInt8] { request.body }
}

/// One endpoint: a method and a path, who may call it, and its handler.
struct Endpoint: Sendable {
    let method: String
    /// `{…}` for a parameter; a CCKM row's `{family}` stands for every family's base path.
    let template: String
    let access: Access
    let handle: @Sendable (CCKMApp, Call) throws -> HTTPReply

    init(_ method: String, _ template: String, _ access: Access, _ handle: @escaping @Sendable (CCKMApp, Call) throws -> HTTPReply) {
        self.method = method
        self.template = template
        self.access = access
        self.handle = handle
    }
}

/// Method and path to endpoint, in one place: `CCKMApp.endpoints` is the list, this finds a
/// request's row. The 405s' `Allow`, the journal's templates, the fault rules' family and the
/// `openapi.yaml` check all read it.
struct RouteTable: Sendable {
    /// A path matched: the endpoints there, by method in the table's order.
    struct Match: Sendable {
        let endpoints: [Endpoint]
        let parameters: [String]
        let family: JobFamily?

        var template: String { endpoints[0].template }
        var access: Access { endpoints[0].access }
        var allowedMethods: [String] { endpoints.map(\.method) }

        /// The endpoint for `method`; HEAD is GET without the body.
        func endpoint(for method: String) -> Endpoint? {
            let method = method == "HEAD" ? "GET" : method
            return endpoints.first { $0.method == method }
        }
    }

    private struct Node: Sendable {
        var literals: [String: Node] = [:]
        /// The child for a `{…}` segment, under its name (one at most).
        var parameter: [String: Node] = [:]
        var endpoints: [Endpoint] = []
        var family: JobFamily?
    }

    private var root = Node()
    /// Every row, CCKM rows once per family with its base path in the template.
    let rows: [Endpoint]

    init(_ endpoints: [Endpoint]) {
        var rows: [Endpoint] = []
        for endpoint in endpoints {
            if endpoint.template.contains("{family}") {
                for family in JobFamily.all {
                    let template = endpoint.template.replacing("{family}", with: family.basePath)
                    rows.append(Endpoint(endpoint.method, template, endpoint.access, endpoint.handle))
                    Self.insert(rows[rows.count - 1], family: family, into: &root)
                }
            } else {
                rows.append(endpoint)
                Self.insert(endpoint, family: nil, into: &root)
            }
        }
        self.rows = rows
    }

    private static func insert(_ endpoint: Endpoint, family: JobFamily?, into root: inout Node) {
        func descend(_ node: inout Node, _ parts: ArraySlice<Substring>) {
            guard let part = parts.first else {
                precondition(!node.endpoints.contains { $0.method == endpoint.method }, "two rows for \(endpoint.method) \(endpoint.template)")
                node.endpoints.append(endpoint)
                node.family = family
                return
            }
            if part.hasPrefix("{") {
                descend(&node.parameter[String(part), default: Node()], parts.dropFirst())
            } else {
                descend(&node.literals[String(part), default: Node()], parts.dropFirst())
            }
        }
        descend(&root, endpoint.template.utf8.split(separator: UInt8(ascii: "/")).map { Substring($0) }[...])
    }

    /// The endpoints at `path`, or nil when nothing lives there. A trailing slash is accepted; an
    /// empty segment anywhere else is not. Literal segments win over parameters.
    ///
    /// Split and compared on UTF-8 bytes: `Character` counts and comparisons walk grapheme
    /// clusters, and measured about a tenth of a cached list request's time.
    func match(_ path: String) -> Match? {
        var bytes = Substring(path).utf8[...]
        guard bytes.first == UInt8(ascii: "/") else { return nil }
        bytes = bytes.dropFirst()
        if bytes.last == UInt8(ascii: "/") { bytes = bytes.dropLast() }
        let parts = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
        guard !parts.contains(where: \.isEmpty) else { return nil }
        var parameters: [String] = []
        func walk(_ node: Node, _ rest: ArraySlice<Substring>) -> Node? {
            guard let part = rest.first else { return node.endpoints.isEmpty ? nil : node }
            if let next = node.literals[String(part)], let found = walk(next, rest.dropFirst()) { return found }
            for next in node.parameter.values {
                parameters.append(String(part))
                if let found = walk(next, rest.dropFirst()) { return found }
                parameters.removeLast()
            }
            return nil
        }
        guard let node = walk(root, parts[...]) else { return nil }
        return Match(endpoints: node.endpoints, parameters: parameters, family: node.family)
    }

    /// Every path template with its methods, CCKM families written out: what `openapi.yaml` must describe.
    var templates: [(template: String, methods: [String])] {
        var order: [String] = []
        var methods: [String: [String]] = [:]
        for row in rows {
            if methods[row.template] == nil { order.append(row.template) }
            methods[row.template, default: []].append(row.method)
        }
        return order.map { ($0, methods[$0]!) }
    }
}
