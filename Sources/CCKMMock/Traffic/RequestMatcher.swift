import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// Which journaled requests a test means, as WireMock's and MockServer's `verify` take it: what
/// `POST /__admin/requests/count`, `/find` and `/near-misses` read. Every member is optional; an
/// empty matcher matches every request.
///
/// ```json
/// {"method": "POST", "path": "/api/v1/cckm/aws/*", "query": {"kms": "kms-1", "skip": {"present": false}},
///  "headers": {"Content-Type": {"equalTo": "application/json"}},
///  "body": {"equalToJson": {"kms": ["kms-1"]}, "ignoreExtraMembers": true}, "status": 201, "domain": "team-a"}
/// ```
struct RequestMatcher {
    /// What a query parameter or a header must be.
    enum ValueRule: Equatable {
        case equalTo(String)
        case present(Bool)
    }

    /// What the body must be.
    enum BodyRule {
        /// JSON equal to this, object members in any order; extra members allowed when told.
        case equalToJSON(JSONValue, ignoreExtraMembers: Bool)
        case contains(String)
        /// Members equal to these values; a key `a.b` names member `b` of member `a` (dots go deeper).
        case members([(key: String, value: JSONValue)])
    }

    var method: String?
    var path: String?
    var query: [(name: String, rule: ValueRule)] = []
    var headers: [(name: String, rule: ValueRule)] = []
    var body: BodyRule?
    var status: Int?
    var domain: String?

    static let members = ["method", "path", "query", "headers", "body", "status", "domain"]
    /// Longest text a matcher may hold in one place (a path pattern, a value, a `contains`), and
    /// most `*` in a path pattern: each is compared with every journaled request, and a 60 KB
    /// matcher cost 12 to 32 s of CPU.
    static let maxText = 4096
    static let maxWildcards = 16
    /// Bytes of a matcher's JSON body (an `equalToJson` document included).
    static let maxBodyBytes = 64 * 1024

    /// Reads a matcher; a 400 names the member that is unknown or of the wrong type.
    static func parse(_ bytes: [UInt8]) throws(InputError) -> RequestMatcher {
        let document: JSONValue
        guard bytes.count <= maxBodyBytes else { throw .badRequest("A matcher is at most \(maxBodyBytes) bytes, got \(bytes.count)") }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            document = .object([])
        } else {
            guard let parsed = try? JSONParser.parse(bytes), parsed.objectValue != nil else {
                throw .badRequest(#"Request body must be a JSON object such as {"method": "POST", "path": "/api/v1/cckm/*"}"#)
            }
            document = parsed
        }
        try document.rejectUnknownMembers(known: members)
        var matcher = RequestMatcher()
        matcher.method = try document.optionalString("method")
        matcher.path = try document.optionalString("path")
        matcher.domain = try document.optionalString("domain")
        if let status = document["status"] {
            guard let code = status.intValue, (0...599).contains(code) else { throw .invalidParameter("status", "expected a status from 0 to 599") }
            matcher.status = code
        }
        matcher.query = try valueRules(document["query"], member: "query")
        matcher.headers = try valueRules(document["headers"], member: "headers")
        if let body = document["body"] { matcher.body = try bodyRule(body) }
        try matcher.checkBounds()
        return matcher
    }

    private func checkBounds() throws(InputError) {
        var texts: [(String, String)] = [("method", method ?? ""), ("path", path ?? ""), ("domain", domain ?? "")]
        for (member, rules) in [("query", query), ("headers", headers)] {
            for (name, rule) in rules {
                texts.append(("\(member).\(name)", name))
                if case .equalTo(let value) = rule { texts.append(("\(member).\(name)", value)) }
            }
        }
        if case .contains(let part)? = body { texts.append(("body.contains", part)) }
        if let (member, _) = texts.first(where: { $0.1.utf8.count > Self.maxText }) {
            throw .invalidParameter(member, "longer than \(Self.maxText) bytes")
        }
        if let path, path.filter({ $0 == "*" }).count > Self.maxWildcards {
            throw .invalidParameter("path", "more than \(Self.maxWildcards) wildcards")
        }
    }

    private static func valueRules(_ value: JSONValue?, member: String) throws(InputError) -> [(name: String, rule: ValueRule)] {
        guard let value else { return [] }
        guard let items = value.objectValue else { throw .invalidParameter(member, "expected an object of name → value or rule") }
        var rules: [(name: String, rule: ValueRule)] = []
        for (name, rule) in items {
            let here = "\(member).\(name)"
            switch rule {
            case .string(let text):
                rules.append((name, .equalTo(text)))
            case .object:
                try rule.rejectUnknownMembers(known: ["equalTo", "present"])
                if let text = try rule.optionalString("equalTo") {
                    rules.append((name, .equalTo(text)))
                } else if case .bool(let present)? = rule["present"] {
                    rules.append((name, .present(present)))
                } else {
                    throw .invalidParameter(here, #"expected {"equalTo": "…"} or {"present": true|false}"#)
                }
            default:
                throw .invalidParameter(here, #"expected a string, {"equalTo": "…"} or {"present": true|false}, got \#(rule.typeName)"#)
            }
        }
        return rules
    }

    private static func bodyRule(_ value: JSONValue) throws(InputError) -> BodyRule {
        guard value.objectValue != nil else { throw .invalidParameter("body", "expected an object with equalToJson, contains or members") }
        try value.rejectUnknownMembers(known: ["equalToJson", "ignoreExtraMembers", "contains", "members"])
        if let expected = value["equalToJson"] {
            var ignore = false
            if let flag = value["ignoreExtraMembers"] {
                guard case .bool(let set) = flag else { throw .invalidParameter("body.ignoreExtraMembers", "expected a boolean") }
                ignore = set
            }
            return .equalToJSON(expected, ignoreExtraMembers: ignore)
        }
        if let text = try value.optionalString("contains") { return .contains(text) }
        if let members = value["members"] {
            guard let items = members.objectValue else { throw .invalidParameter("body.members", "expected an object of member → value") }
            return .members(items.map { ($0.key, $0.value) })
        }
        throw .invalidParameter("body", "expected equalToJson, contains or members")
    }

    /// Why `entry` does not match, one phrase a member; empty when it matches.
    func differences(_ entry: JournalEntry) -> [String] {
        var out: [String] = []
        if let method, method.uppercased() != entry.method { out.append("method: expected \(method.uppercased()), got \(entry.method)") }
        if let path, !globMatches(path, entry.path) { out.append("path: expected \(path), got \(entry.path)") }
        for (name, rule) in query {
            let values = entry.query.filter { $0.name == name }.map { $0.value ?? "" }
            if let problem = Self.check(rule, values, what: "query \(name)") { out.append(problem) }
        }
        for (name, rule) in headers {
            let values = entry.headers.fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
            if let problem = Self.check(rule, values, what: "header \(name)") { out.append(problem) }
        }
        if let body, let problem = Self.check(body, entry.body) { out.append(problem) }
        if let status, status != entry.status { out.append("status: expected \(status), got \(entry.status)") }
        if let domain, domain != entry.domain { out.append("domain: expected \(domain), got \(entry.domain ?? "none")") }
        return out
    }

    func matches(_ entry: JournalEntry) -> Bool { differences(entry).isEmpty }

    private static func check(_ rule: ValueRule, _ values: [String], what: String) -> String? {
        switch rule {
        case .equalTo(let expected):
            return values.contains(expected) ? nil : "\(what): expected \(expected), got \(values.isEmpty ? "none" : values.joined(separator: ", "))"
        case .present(let present):
            return values.isEmpty == present ? "\(what): expected \(present ? "present" : "absent")" : nil
        }
    }

    private static func check(_ rule: BodyRule, _ text: String) -> String? {
        switch rule {
        case .contains(let part):
            return text.contains(part) ? nil : "body: expected to contain \(part)"
        case .equalToJSON(let expected, let ignore):
            guard let actual = try? JSONParser.parse(Array(text.utf8)) else { return "body: expected JSON, got \(text.prefix(80))" }
            return jsonMatches(expected, actual, ignoreExtraMembers: ignore) ? nil : "body: expected \(expected.jsonText), got \(actual.jsonText)"
        case .members(let members):
            guard let actual = try? JSONParser.parse(Array(text.utf8)) else { return "body: expected JSON, got \(text.prefix(80))" }
            for (key, expected) in members {
                // A member of the body, or with dots a member of a member (`params.cloud_name`).
                let found = key.split(separator: ".", omittingEmptySubsequences: false).reduce(Optional(actual)) { $0?[String($1)] }
                guard let found, found == expected else { return "body.\(key): expected \(expected.jsonText), got \(found?.jsonText ?? "none")" }
            }
            return nil
        }
    }

    /// Equal JSON with object members in any order; with `ignoreExtraMembers`, `actual`'s objects may
    /// hold more members (arrays stay exact).
    static func jsonMatches(_ expected: JSONValue, _ actual: JSONValue, ignoreExtraMembers: Bool) -> Bool {
        switch (expected, actual) {
        case (.object(let want), .object(let have)):
            guard ignoreExtraMembers || want.count == have.count else { return false }
            return want.allSatisfy { member in
                have.first { $0.key == member.key }.map { jsonMatches(member.value, $0.value, ignoreExtraMembers: ignoreExtraMembers) } ?? false
            }
        case (.array(let want), .array(let have)):
            return want.count == have.count && zip(want, have).allSatisfy { jsonMatches($0, $1, ignoreExtraMembers: ignoreExtraMembers) }
        default:
            return expected == actual
        }
    }
}
