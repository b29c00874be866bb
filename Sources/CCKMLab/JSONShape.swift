import CCKMCore

/// A JSON body reduced to what `conform` compares: each member's path (array items collapsed to
/// `[]`) with its type, strings tagged with their format; the values of members CM fills from a
/// fixed vocabulary; and a JWT's claim names. Values that differ between any two CMs (ids, times,
/// counts, names) are never kept, and neither are names that are data: the keys of a map keyed by
/// target or label collapse to `{}`, as array items do to `[]`. A member a job has only in some
/// states (`completed_at`) is kept under its job's state, `[overall_status=completed]`, so that
/// it is compared only between jobs in the same state.
package struct JSONShape: Sendable, Equatable {
    /// Path → tag, in first-seen order: `object`, `array`, `number`, `boolean`, `null`, or
    /// `string` with its format (`string(uuid)`, `string(rfc3339/6)` for six fractional digits,
    /// `string(kylo:kylo:cckm:synchronize)`, `string(jwt)`). Items of different types join with `|`.
    package private(set) var tags: [String: String] = [:]
    package private(set) var paths: [String] = []
    /// Path → the values seen at an enumerated member (`overall_status`, `status`, `token_type`, ...).
    package private(set) var enums: [String: Set<String>] = [:]
    /// Path → value of members whose value CM fixes (an error's `code` and `codeDesc`, a page's `skip` and `limit`).
    package private(set) var constants: [String: String] = [:]

    /// Members whose values come from a fixed vocabulary.
    static let enumerated: Set<String> = ["overall_status", "status", "token_type", "job_status", "operation", "state", "grant_type"]
    /// Members whose values are compared as they are.
    static let constant: Set<String> = ["code", "codeDesc", "skip", "limit"]
    /// Objects whose keys are data (a job's targets, a resource's labels), not member names.
    static let keyedByData: Set<String> = ["detailed_status", "labels", "tags"]
    /// A job's members that are there in some states only.
    static let byState: Set<String> = ["completed_at"]
    /// The marker of a state-qualified container: `$.resources[][overall_status=completed]`.
    static let statePrefix = "[overall_status="

    package init(_ value: JSONValue) {
        add(value, at: "$", key: nil)
    }

    private mutating func add(_ value: JSONValue, at path: String, key: String?) {
        note(path, Self.tag(value))
        switch value {
        case .object(let members) where key.map(Self.keyedByData.contains) == true:
            for (_, member) in members { add(member, at: path + ".{}", key: nil) }
        case .object(let members):
            // A job without a status (an answer that lost it) is in no state the other side shares.
            let state =
                members.first { $0.key == "overall_status" }?.value.stringValue
                ?? (members.contains { Self.byState.contains($0.key) } ? "none" : nil)
            let byState = state.map { path + Self.statePrefix + $0 + "]" }
            if let byState { note(byState, "object") }
            for (name, member) in members {
                if let byState, Self.byState.contains(name) {
                    add(member, at: byState + "." + name, key: name)
                } else {
                    add(member, at: path + "." + name, key: name)
                }
            }
        case .array(let items):
            for item in items { add(item, at: path + "[]", key: key) }
        case .string(let text):
            if let key, Self.enumerated.contains(key) { enums[path, default: []].insert(text) }
            if let key, Self.constant.contains(key) { constants[path] = text }
            if let claims = Self.jwtClaims(text) {
                for (name, claim) in claims { add(claim, at: path + ".<claims>." + name, key: nil) }
            }
        case .number(let text):
            if let key, Self.constant.contains(key) { constants[path] = text }
        case .bool, .null:
            break
        }
    }

    private mutating func note(_ path: String, _ tag: String) {
        guard let seen = tags[path] else {
            tags[path] = tag
            paths.append(path)
            return
        }
        if !seen.split(separator: "|").contains(Substring(tag)) {
            tags[path] = (seen.split(separator: "|").map(String.init) + [tag]).sorted().joined(separator: "|")
        }
    }

    /// A state-qualified container: only a parent of what is compared, never compared itself
    /// (one side may have no job in that state).
    static func isStateContainer(_ path: String) -> Bool {
        path.hasSuffix("]") && path.contains(statePrefix) && path.split(separator: ".").last?.contains(statePrefix) == true
    }

    static func tag(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .object: "object"
        case .array: "array"
        case .string(let text): "string" + (format(text).map { "(\($0))" } ?? "")
        }
    }

    /// The format of a string, when it has one `conform` knows.
    static func format(_ text: String) -> String? {
        if isUUID(text) { return "uuid" }
        if let digits = rfc3339FractionDigits(text) { return "rfc3339/\(digits)" }
        if text.hasPrefix("kylo:") { return text.split(separator: ":", omittingEmptySubsequences: false).dropLast().joined(separator: ":") }
        if jwtClaims(text) != nil { return "jwt" }
        return nil
    }

    /// `2024-01-02T03:04:05.123456Z` (or an offset) → 6; nil when the text is not RFC 3339.
    static func rfc3339FractionDigits(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { $0 < bytes.count && (48...57).contains(bytes[$0]) } }
        guard bytes.count >= 20, digits(0..<4), bytes[4] == 45, digits(5..<7), bytes[7] == 45, digits(8..<10),
            bytes[10] == 84 || bytes[10] == 116, digits(11..<13), bytes[13] == 58, digits(14..<16), bytes[16] == 58, digits(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            while index < bytes.count, (48...57).contains(bytes[index]) {
                index += 1
                fraction += 1
            }
        }
        guard index < bytes.count else { return nil }
        if bytes[index] == 90 || bytes[index] == 122 { return index + 1 == bytes.count ? fraction : nil }
        guard bytes[index] == 43 || bytes[index] == 45, bytes.count == index + 6, digits(index + 1..<index + 3), bytes[index + 3] == 58,
            digits(index + 4..<index + 6)
        else { return nil }
        return fraction
    }

    /// A JWT's claims: three base64url parts, the second a JSON object.
    static func jwtClaims(_ text: String) -> [(key: String, value: JSONValue)]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].hasPrefix("eyJ") else { return nil }
        guard let bytes = Base64URL.decode(parts[1]), let claims = try? JSONParser.parse(bytes) else { return nil }
        return claims.objectValue
    }
}
