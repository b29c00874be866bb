import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// What is checked before an endpoint's handler runs, and what the request leaves behind.
enum Access: Sendable, Equatable {
    /// A CCKM job path: the bearer token gives the domain; fault rules apply; journaled.
    case cckm
    /// CM's other resources (the scheduler's, the inventory's, connections): as `cckm`; their
    /// writes run off the event loops.
    case resource
    /// Login and revocation: no token; fault rules apply; journaled.
    case auth
    /// The control API: the admin token when one is set, and the same origin; never faulted or journaled.
    case control
    /// The control API's pages that hold no secret (health, dashboard, spec, certificate): same origin only.
    case controlOpen

    var isControl: Bool { self == .control || self == .controlOpen }
    /// Whether the request acts in the domain of its token.
    var hasDomain: Bool { self == .cckm || self == .resource }
}

/// A request on its way to a handler: its path's parameters, and the domain its token gave.
struct Call: Sendable {
    let request: HTTPRequest
    /// The template's `{…}` values, in the template's order.
    let parameters: [String]
    /// The family of a CCKM path.
    let family: JobFamily?
    /// The token's domain for `cckm` and `resource` endpoints; root elsewhere.
    let domain: String
    /// The request's id and start, under which its answer and any error's envelope go out.
    let context: RequestContext

    /// The first `{…}` of the path (an id, a name).
    var id: String { parameters.first ?? "" }
    var query: QueryValues { QueryValues(request.query) }
    var body: [UInt8] { request.body }
}

/// One endpoint: a method and a path, who may call it, and its handler.
struct Endpoint: Sendable {
    let method: String
    /// `{…}` for a parameter; a CCKM row's `{family}` stands for every family's base path.
    let template: String
    let access: Access
    /// The query parameters a control-API row takes: any other is a 400 naming it, before the
    /// handler runs, so that a misspelt filter (`?famly=sap`) never quietly matches everything.
    /// CM's own paths check theirs as CM does (nil).
    let query: [String]?
    let handle: @Sendable (CCKMApp, Call) throws -> HTTPReply

    /// A row whose handler is given its group (`\.jobs`, `\.control`, ...) and nothing else of the app.
    init<Group>(
        _ method: String, _ template: String, _ access: Access, query: [String]? = nil, _ group: KeyPath<CCKMApp, Group> & Sendable,
        _ handle: @escaping @Sendable (Group, Call) throws -> HTTPReply
    ) {
        self.method = method
        self.template = template
        self.access = access
        self.query = query ?? (access.isControl ? [] : nil)
        self.handle = { app, call in try handle(app[keyPath: group], call) }
    }

    /// The same row at another path (a CCKM row's `{family}` written out).
    fileprivate init(_ row: Endpoint, template: String) {
        method = row.method
        self.template = template
        access = row.access
        query = row.query
        handle = row.handle
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

    /// A path segment's place in the tree. A class, built in `init` and never changed after: a
    /// struct's dictionaries were copied (retained and released) at every step of every match,
    /// a tenth of a cached list's time. Keys are `Substring`s so that a path's segments are looked
    /// up as they are, without a `String` made for each.
    private final class Node: @unchecked Sendable {
        var literals: [Substring: Node] = [:]
        /// The child for a `{…}` segment (one name at most under a node).
        var parameter: Node?
        var endpoints: [Endpoint] = []
        var family: JobFamily?
    }

    private let root = Node()
    /// The paths without a parameter, whole: one hash finds a list's row, the most asked path.
    private var exact: [String: Match] = [:]
    /// Every row, CCKM rows once per family with its base path in the template.
    let rows: [Endpoint]

    init(_ endpoints: [Endpoint]) {
        var rows: [Endpoint] = []
        for endpoint in endpoints {
            if endpoint.template.contains("{family}") {
                for family in JobFamily.all {
                    let row = Endpoint(endpoint, template: endpoint.template.replacing("{family}", with: family.basePath))
                    rows.append(row)
                    Self.insert(row, family: family, into: root)
                }
            } else {
                rows.append(endpoint)
                Self.insert(endpoint, family: nil, into: root)
            }
        }
        self.rows = rows
        var exact: [String: Match] = [:]
        for row in rows where !row.template.contains("{") {
            guard exact[row.template] == nil, let match = Self.walk(root, Self.parts(of: row.template[...])) else { continue }
            exact[row.template] = match
        }
        self.exact = exact
    }

    private static func insert(_ endpoint: Endpoint, family: JobFamily?, into root: Node) {
        var node = root
        for part in endpoint.template.utf8.split(separator: UInt8(ascii: "/")).map({ Substring($0) }) {
            if part.hasPrefix("{") {
                if node.parameter == nil { node.parameter = Node() }
                node = node.parameter!
            } else {
                if node.literals[part] == nil { node.literals[part] = Node() }
                node = node.literals[part]!
            }
        }
        precondition(!node.endpoints.contains { $0.method == endpoint.method }, "two rows for \(endpoint.method) \(endpoint.template)")
        node.endpoints.append(endpoint)
        node.family = family
    }

    /// The endpoints at `path`, or nil when nothing lives there. A trailing slash is accepted; an
    /// empty segment anywhere else is not. Literal segments win over parameters.
    ///
    /// Split and compared on UTF-8 bytes: `Character` counts and comparisons walk grapheme
    /// clusters, on every request.
    func match(_ path: String) -> Match? {
        if let found = exact[path] { return found }
        var trimmed = Substring(path)
        guard trimmed.utf8.first == UInt8(ascii: "/") else { return nil }
        if trimmed.utf8.count > 1 && trimmed.utf8.last == UInt8(ascii: "/") {
            trimmed = Substring(trimmed.utf8.dropLast())
            if let found = exact[String(trimmed)] { return found }
        }
        return Self.walk(root, Self.parts(of: trimmed))
    }

    /// The segments of a path that starts with `/` and has no trailing one; nil when one is empty.
    private static func parts(of path: Substring) -> [Substring]? {
        let parts = path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
        return parts.contains(where: \.isEmpty) ? nil : parts
    }

    private static func walk(_ root: Node, _ parts: [Substring]?) -> Match? {
        guard let parts else { return nil }
        var parameters: [String] = []
        guard let node = walk(root, parts, 0, &parameters) else { return nil }
        return Match(endpoints: node.endpoints, parameters: parameters, family: node.family)
    }

    private static func walk(_ node: Node, _ parts: [Substring], _ index: Int, _ parameters: inout [String]) -> Node? {
        guard index < parts.count else { return node.endpoints.isEmpty ? nil : node }
        if let next = node.literals[parts[index]], let found = walk(next, parts, index + 1, &parameters) { return found }
        if let next = node.parameter {
            parameters.append(String(parts[index]))
            if let found = walk(next, parts, index + 1, &parameters) { return found }
            parameters.removeLast()
        }
        return nil
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
