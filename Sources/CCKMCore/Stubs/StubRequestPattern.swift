/// WireMock's request pattern: `method` (`ANY` for every one), one of `url`, `urlPath`,
/// `urlPattern`, `urlPathPattern` (none: every URL), `queryParameters`, `headers`, `bodyPatterns`.
/// What `POST /__admin/mappings` takes in `request`, and `POST /__admin/requests/count` and
/// `/find` in WireMock's form.
package struct StubRequestPattern: Sendable {
    package enum URLRule: Sendable {
        case any
        /// Path and query exactly as sent.
        case url(String)
        case urlPath(String)
        case urlPattern(StubRegex)
        case urlPathPattern(StubRegex)
    }

    package var method: String?
    package var url: URLRule = .any
    package var queryParameters: [(name: String, pattern: StubValuePattern)] = []
    package var headers: [(name: String, pattern: StubValuePattern)] = []
    package var bodyPatterns: [StubValuePattern] = []

    static let members = ["method", "url", "urlPath", "urlPattern", "urlPathPattern", "queryParameters", "headers", "bodyPatterns"]
    static let urlMembers = ["url", "urlPath", "urlPattern", "urlPathPattern"]

    /// Whether a document is in this form rather than the mock's own matcher's: it names a member
    /// only WireMock's has.
    package static func isWireMockForm(_ value: JSONValue) -> Bool {
        let own: Set = ["method", "headers"]
        return value.objectValue?.contains { members.contains($0.key) && !own.contains($0.key) } ?? false
    }

    package static func parse(_ value: JSONValue, at path: String) throws(InputError) -> StubRequestPattern {
        guard let members = value.objectValue else { throw .invalidParameter(path, "expected a request pattern object, got \(value.typeName)") }
        if let unknown = members.first(where: { !Self.members.contains($0.key) }) {
            throw .invalidParameter(
                "\(path).\(unknown.key)",
                "the mock does not build this member of a request pattern (it takes \(Self.members.joined(separator: ", ")))")
        }
        var pattern = StubRequestPattern()
        if let method = try value.optionalString("method") {
            guard !method.isEmpty, method.utf8.count <= 32, method.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw .invalidParameter("\(path).method", "\"\(method.prefix(40))\" is not an HTTP method")
            }
            pattern.method = method.uppercased() == "ANY" ? nil : method.uppercased()
        }
        let urls = members.filter { Self.urlMembers.contains($0.key) }
        guard urls.count <= 1 else { throw .invalidParameter("\(path).\(urls[1].key)", "one of url, urlPath, urlPattern, urlPathPattern at most") }
        if let (name, given) = urls.first {
            guard let text = given.stringValue, text.utf8.count <= 4096 else {
                throw .invalidParameter("\(path).\(name)", "expected a string of at most 4096 bytes")
            }
            switch name {
            case "url": pattern.url = .url(text)
            case "urlPath": pattern.url = .urlPath(text)
            case "urlPattern": pattern.url = .urlPattern(try StubRegex(text, at: "\(path).urlPattern"))
            default: pattern.url = .urlPathPattern(try StubRegex(text, at: "\(path).urlPathPattern"))
            }
        }
        pattern.queryParameters = try named(value["queryParameters"], at: "\(path).queryParameters")
        pattern.headers = try named(value["headers"], at: "\(path).headers")
        if let bodies = value["bodyPatterns"] {
            guard let items = bodies.arrayValue else { throw .invalidParameter("\(path).bodyPatterns", "expected an array of matchers") }
            for (index, item) in items.enumerated() {
                pattern.bodyPatterns.append(try StubValuePattern.parse(item, at: "\(path).bodyPatterns[\(index)]", body: true))
            }
        }
        return pattern
    }

    private static func named(_ value: JSONValue?, at path: String) throws(InputError) -> [(name: String, pattern: StubValuePattern)] {
        guard let value else { return [] }
        guard let members = value.objectValue else { throw .invalidParameter(path, "expected an object of name → matcher") }
        var out: [(name: String, pattern: StubValuePattern)] = []
        for (name, matcher) in members { out.append((name, try StubValuePattern.parse(matcher, at: "\(path).\(name)", body: false))) }
        return out
    }

    /// Whether a request matches: its method, path, query parameters (decoded), `url` (the path
    /// and query as sent), headers and body.
    package func matches(
        method: String, path: String, url: String, query: [(name: String, value: String?)], headers: [(name: String, value: String)], body: String
    ) -> Bool {
        if let expected = self.method, expected != method { return false }
        switch self.url {
        case .any: break
        case .url(let expected): if expected != url { return false }
        case .urlPath(let expected): if expected != path { return false }
        case .urlPattern(let regex): if !regex.wholeMatches(url) { return false }
        case .urlPathPattern(let regex): if !regex.wholeMatches(path) { return false }
        }
        for (name, pattern) in queryParameters {
            let values = query.filter { $0.name == name }.map { $0.value ?? "" }
            if case .absent = pattern {
                if !values.isEmpty { return false }
            } else if !values.contains(where: { pattern.matches($0) }) {
                return false
            }
        }
        for (name, pattern) in self.headers {
            let values = headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
            if case .absent = pattern {
                if !values.isEmpty { return false }
            } else if !values.contains(where: { pattern.matches($0) }) {
                return false
            }
        }
        return bodyPatterns.allSatisfy { $0.matches(body) }
    }

    /// How far a request is from matching, 0 to 1 (WireMock's near misses): the share of the
    /// pattern's parts it fails.
    package func distance(
        method: String, path: String, url: String, query: [(name: String, value: String?)], headers: [(name: String, value: String)], body: String
    ) -> Double {
        var parts = 1 + queryParameters.count + self.headers.count + bodyPatterns.count
        var failed = 0
        if let expected = self.method, expected != method { failed += 1 }
        parts += 1
        if !StubRequestPattern(method: nil, url: self.url).matches(method: method, path: path, url: url, query: [], headers: [], body: body) {
            failed += 1
        }
        for (name, pattern) in queryParameters
        where !StubRequestPattern(queryParameters: [(name, pattern)]).matches(
            method: method, path: path, url: url, query: query, headers: [], body: "")
        {
            failed += 1
        }
        for (name, pattern) in self.headers
        where !StubRequestPattern(headers: [(name, pattern)]).matches(method: method, path: path, url: url, query: [], headers: headers, body: "") {
            failed += 1
        }
        failed += bodyPatterns.filter { !$0.matches(body) }.count
        return Double(failed) / Double(parts)
    }
}
