/// One of WireMock's value matchers, as a stub's `queryParameters`, `headers` and `bodyPatterns`
/// take it: `equalTo` (with `caseInsensitive`), `contains`, `matches`, `doesNotMatch`, `absent`,
/// and for bodies `equalToJson` (with `ignoreArrayOrder`, `ignoreExtraElements`) and
/// `matchesJsonPath`. A member the mock does not build (`equalToXml`, `and`, ...) is refused with
/// a 400 that names it: a matcher silently ignored would match what it should not.
package enum StubValuePattern: Sendable {
    case equalTo(String, caseInsensitive: Bool)
    case contains(String)
    case matches(StubRegex)
    case doesNotMatch(StubRegex)
    case absent
    case equalToJSON(JSONValue, ignoreArrayOrder: Bool, ignoreExtraElements: Bool)
    case matchesJSONPath(StubJSONPath, then: Box?)

    /// A nested pattern (`matchesJsonPath`'s `{"expression", "equalTo"...}`), boxed for recursion.
    package final class Box: Sendable {
        let pattern: StubValuePattern
        init(_ pattern: StubValuePattern) { self.pattern = pattern }
    }

    static let valueKeys = ["equalTo", "contains", "matches", "doesNotMatch", "absent"]
    static let bodyKeys = valueKeys + ["equalToJson", "matchesJsonPath"]
    static let flags = ["caseInsensitive", "ignoreArrayOrder", "ignoreExtraElements"]

    /// Reads `{"equalTo": "x"}` and the like at `path` (for the 400's name); `body` allows the JSON ones.
    package static func parse(_ value: JSONValue, at path: String, body: Bool) throws(InputError) -> StubValuePattern {
        guard let members = value.objectValue, !members.isEmpty else {
            throw .invalidParameter(path, "expected a matcher object such as {\"equalTo\": \"…\"}, got \(value.typeName)")
        }
        let known = (body ? bodyKeys : valueKeys) + flags
        if let unknown = members.first(where: { !known.contains($0.key) }) {
            throw .invalidParameter(
                "\(path).\(unknown.key)", "the mock does not build this matcher (it takes \((body ? bodyKeys : valueKeys).joined(separator: ", ")))")
        }
        let operators = members.filter { !flags.contains($0.key) }
        guard operators.count == 1, let (name, operand) = operators.first else {
            throw .invalidParameter(path, "expected exactly one matcher, got \(operators.map(\.key).joined(separator: ", "))")
        }
        func flag(_ key: String) throws(InputError) -> Bool {
            guard let given = value[key] else { return false }
            guard case .bool(let set) = given else { throw .invalidParameter("\(path).\(key)", "expected true or false") }
            return set
        }
        func text() throws(InputError) -> String {
            guard let string = operand.stringValue else { throw .invalidParameter("\(path).\(name)", "expected a string, got \(operand.typeName)") }
            return string
        }
        switch name {
        case "equalTo": return .equalTo(try text(), caseInsensitive: try flag("caseInsensitive"))
        case "contains": return .contains(try text())
        case "matches": return .matches(try StubRegex(try text(), at: "\(path).matches"))
        case "doesNotMatch": return .doesNotMatch(try StubRegex(try text(), at: "\(path).doesNotMatch"))
        case "absent":
            guard operand == .bool(true) else { throw .invalidParameter("\(path).absent", "expected true") }
            return .absent
        case "equalToJson":
            // WireMock takes the expected JSON as a value or as a string holding it.
            let expected: JSONValue
            if let string = operand.stringValue {
                guard let parsed = try? JSONParser.parse(Array(string.utf8)) else {
                    throw .invalidParameter("\(path).equalToJson", "the string is not JSON")
                }
                expected = parsed
            } else {
                expected = operand
            }
            return .equalToJSON(expected, ignoreArrayOrder: try flag("ignoreArrayOrder"), ignoreExtraElements: try flag("ignoreExtraElements"))
        default:
            if let expression = operand.stringValue {
                return .matchesJSONPath(try StubJSONPath(expression, at: "\(path).matchesJsonPath"), then: nil)
            }
            guard let object = operand.objectValue, let expression = operand["expression"]?.stringValue else {
                throw .invalidParameter("\(path).matchesJsonPath", "expected a JSON path, or {\"expression\": …, \"equalTo\": …}")
            }
            let rest = JSONValue.object(object.filter { $0.key != "expression" })
            return .matchesJSONPath(
                try StubJSONPath(expression, at: "\(path).matchesJsonPath.expression"),
                then: Box(try parse(rest, at: "\(path).matchesJsonPath", body: false)))
        }
    }

    /// Whether `value` (nil: the parameter, header or body is absent) satisfies the pattern.
    package func matches(_ value: String?) -> Bool {
        switch self {
        case .absent: return value == nil
        case .equalTo(let expected, let caseInsensitive):
            guard let value else { return false }
            return caseInsensitive ? value.lowercased() == expected.lowercased() : value == expected
        case .contains(let part): return value.map { part.isEmpty || $0.contains(part) } ?? false
        case .matches(let regex): return value.map(regex.wholeMatches) ?? false
        case .doesNotMatch(let regex): return value.map { !regex.wholeMatches($0) } ?? false
        case .equalToJSON(let expected, let ignoreArrayOrder, let ignoreExtraElements):
            guard let value, let actual = try? JSONParser.parse(Array(value.utf8)) else { return false }
            return Self.jsonEqual(expected, actual, ignoreArrayOrder: ignoreArrayOrder, ignoreExtraElements: ignoreExtraElements)
        case .matchesJSONPath(let path, let then):
            guard let value, let document = try? JSONParser.parse(Array(value.utf8)), let found = path.evaluate(document) else { return false }
            guard let then else { return true }
            // A nested matcher compares the found value as text (a string as it is, JSON otherwise).
            return then.pattern.matches(found.stringValue ?? found.jsonText)
        }
    }

    static func jsonEqual(_ expected: JSONValue, _ actual: JSONValue, ignoreArrayOrder: Bool, ignoreExtraElements: Bool) -> Bool {
        let same = { (a: JSONValue, b: JSONValue) in jsonEqual(a, b, ignoreArrayOrder: ignoreArrayOrder, ignoreExtraElements: ignoreExtraElements) }
        switch (expected, actual) {
        case (.object(let want), .object(let have)):
            guard ignoreExtraElements || want.count == have.count else { return false }
            return want.allSatisfy { member in have.first { $0.key == member.key }.map { same(member.value, $0.value) } ?? false }
        case (.array(let want), .array(let have)):
            guard ignoreExtraElements ? want.count <= have.count : want.count == have.count else { return false }
            if !ignoreArrayOrder { return zip(want, have).allSatisfy(same) }
            var left = have
            for item in want {
                guard let index = left.firstIndex(where: { same(item, $0) }) else { return false }
                left.remove(at: index)
            }
            return true
        case (.number(let a), .number(let b)):
            return Double(a) == Double(b)
        default:
            return expected == actual
        }
    }
}

/// A regular expression as WireMock's `matches` reads it: the whole value must match (Java's
/// `String.matches`). One that does not compile is a 400 naming where it stands.
package struct StubRegex: @unchecked Sendable {
    // `Regex` is immutable once made; matching does not change it.
    let regex: Regex<AnyRegexOutput>
    package let pattern: String

    package init(_ pattern: String, at path: String) throws(InputError) {
        guard pattern.utf8.count <= 4096 else { throw .invalidParameter(path, "a pattern is at most 4096 bytes") }
        do {
            regex = try Regex(pattern)
        } catch {
            throw .invalidParameter(path, "\"\(pattern.prefix(100))\" is not a regular expression: \(error)")
        }
        self.pattern = pattern
    }

    package func wholeMatches(_ text: String) -> Bool {
        (try? regex.wholeMatch(in: text)) != nil
    }
}

/// The JSON paths `matchesJsonPath` takes here: `$` followed by `.name`, `['name']`, `[n]` and
/// `[*]` steps. A path matches when it finds a value that is not null (and, for `[*]`, any item).
/// Filters (`[?(...)]`) and deep scans (`..`) are refused with a 400, not ignored.
package struct StubJSONPath: Sendable {
    enum Step: Sendable {
        case member(String)
        case index(Int)
        case every
    }

    let steps: [Step]
    package let expression: String

    package init(_ expression: String, at path: String) throws(InputError) {
        var steps: [Step] = []
        var rest = Substring(expression.trimmingCharacters(in: .whitespaces))
        guard rest.first == "$" else { throw .invalidParameter(path, "a JSON path starts with $, got \"\(expression.prefix(100))\"") }
        rest = rest.dropFirst()
        while let first = rest.first {
            if rest.hasPrefix("..") || rest.hasPrefix("[?") {
                throw .invalidParameter(path, "\"\(expression.prefix(100))\": the mock takes $ with .name, ['name'], [n] and [*] steps only")
            }
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { throw .invalidParameter(path, "\"\(expression.prefix(100))\": a step without a name") }
                steps.append(name == "*" ? .every : .member(String(name)))
                rest = rest.dropFirst(name.count)
            } else if first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw .invalidParameter(path, "\"\(expression.prefix(100))\": [ without ]") }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if inside == "*" {
                    steps.append(.every)
                } else if let number = Int(inside), number >= 0 {
                    steps.append(.index(number))
                } else if inside.count >= 2, let quote = inside.first, quote == "'" || quote == "\"", inside.last == quote {
                    steps.append(.member(String(inside.dropFirst().dropLast())))
                } else {
                    throw .invalidParameter(path, "\"\(expression.prefix(100))\": the mock takes $ with .name, ['name'], [n] and [*] steps only")
                }
                rest = rest[rest.index(after: close)...]
            } else {
                throw .invalidParameter(path, "\"\(expression.prefix(100))\": unexpected \(first)")
            }
        }
        self.steps = steps
        self.expression = expression
    }

    /// What the path finds in `document`: nil when nothing (or null); for `[*]`, the first item
    /// the rest of the path finds something in.
    func evaluate(_ document: JSONValue) -> JSONValue? {
        Self.walk(document, steps[...])
    }

    private static func walk(_ value: JSONValue, _ steps: ArraySlice<Step>) -> JSONValue? {
        guard let step = steps.first else { return value == .null ? nil : value }
        let rest = steps.dropFirst()
        switch step {
        case .member(let name): return value[name].flatMap { walk($0, rest) }
        case .index(let index):
            guard let items = value.arrayValue, index < items.count else { return nil }
            return walk(items[index], rest)
        case .every:
            let items = value.arrayValue ?? value.objectValue?.map(\.value) ?? []
            return items.lazy.compactMap { walk($0, rest) }.first
        }
    }
}
