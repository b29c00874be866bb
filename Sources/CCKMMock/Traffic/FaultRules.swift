import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer
import Synchronization

/// A fault a test asked for: which requests it hits, and what it does to them.
struct FaultRule: Sendable, Equatable {
    var id: String
    /// Match: all given conditions must hold.
    var method: String?
    /// `*` for any run of characters, e.g. `/api/v1/cckm/aws/*`.
    var path: String?
    var family: String?
    /// Effect: an error answer (with `code` and `message` in the CM envelope), a delay, or a hang-up.
    var status: Int?
    var code: Int?
    var message: String?
    var latencyMilliseconds: Int
    var dropConnection: Bool
    /// Chance, drawn from the seeded generator, that a matching request is hit.
    var probability: Double
    /// Hits left; nil for no limit.
    var remaining: Int?
    var hits: Int

    /// The request's family, worked out by the caller, so the rule needs no routing.
    func matches(_ request: HTTPRequest, family requestFamily: String?) -> Bool {
        (method.map { $0.uppercased() == request.method } ?? true) && (path.map { globMatches($0, request.path) } ?? true)
            && (family.map { $0 == requestFamily } ?? true)
    }

    static func parse(_ body: [UInt8], id: String) throws(InputError) -> FaultRule {
        guard let document = try? JSONParser.parse(body), document.objectValue != nil else {
            throw .badRequest(#"Request body must be a JSON object such as {"path": "/api/v1/cckm/aws/*", "status": 503}"#)
        }
        try document.rejectUnknownMembers(known: [
            "method", "path", "family", "status", "code", "message", "latencyMs", "drop", "probability", "times",
        ])
        let string = document.optionalString
        func number(_ key: String, _ range: ClosedRange<Double>, whole: Bool = true) throws(InputError) -> Double? {
            guard let value = document[key] else { return nil }
            guard case .number(let text) = value, let number = Double(text), range.contains(number), !whole || number == number.rounded() else {
                let kind = whole ? "a whole number" : "a number"
                throw .invalidParameter(key, "expected \(kind) from \(jsonNumber(range.lowerBound)) to \(jsonNumber(range.upperBound))")
            }
            return number
        }
        var drop = false
        if let value = document["drop"] {
            guard case .bool(let flag) = value else { throw .invalidParameter("drop", "expected a boolean, got \(value.typeName)") }
            drop = flag
        }
        let family = try string("family")
        if let family, JobFamily.named(family) == nil { throw .invalidParameter("family", JobFamily.unknown(family)) }
        let rule = FaultRule(
            id: id, method: try string("method"), path: try string("path"), family: family,
            status: try number("status", 400...599).map { Int($0) }, code: try number("code", 0...1_000_000).map { Int($0) },
            message: try string("message"), latencyMilliseconds: Int(try number("latencyMs", 0...60_000) ?? 0), dropConnection: drop,
            probability: try number("probability", 0...1, whole: false) ?? 1, remaining: try number("times", 1...1_000_000_000).map { Int($0) },
            hits: 0)
        guard rule.status != nil || rule.dropConnection || rule.latencyMilliseconds > 0 else {
            throw .badRequest("A fault needs an effect: \"status\", \"latencyMs\" or \"drop\": true")
        }
        return rule
    }

    var json: String {
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("id", first: true)
        writer.string(id)
        for (key, value) in [("method", method), ("path", path), ("family", family), ("message", message)] {
            guard let value else { continue }
            writer.key(key)
            writer.string(value)
        }
        for (key, value) in [("status", status), ("code", code), ("times", remaining)] {
            guard let value else { continue }
            writer.key(key)
            writer.raw(String(value))
        }
        writer.key("latencyMs")
        writer.raw(String(latencyMilliseconds))
        writer.key("drop")
        writer.raw(dropConnection ? "true" : "false")
        writer.key("probability")
        writer.raw(jsonNumber(probability))
        writer.key("hits")
        writer.raw(String(hits))
        writer.raw("}")
        return writer.text
    }
}

/// The fault rules in force, first added first tried.
package final class FaultRules: Sendable {
    package init() {}

    private let rules = Mutex<[FaultRule]>([])

    func add(_ rule: FaultRule) {
        rules.withLock { $0.append(rule) }
    }

    var all: [FaultRule] { rules.withLock { $0 } }

    @discardableResult
    func remove(id: String) -> Bool {
        rules.withLock { rules in
            let before = rules.count
            rules.removeAll { $0.id == id }
            return rules.count < before
        }
    }

    func removeAll() {
        rules.withLock { $0.removeAll() }
    }

    /// The first rule that matches and wins its draw, counted as a hit; a rule whose `times` are
    /// spent is removed.
    func hit(_ request: HTTPRequest, family: String?, randomness: Randomness) -> FaultRule? {
        rules.withLock { rules in
            for index in rules.indices where rules[index].matches(request, family: family) {
                guard randomness.chance(rules[index].probability) else { continue }
                rules[index].hits += 1
                let rule = rules[index]
                if let remaining = rule.remaining {
                    if remaining <= 1 { rules.remove(at: index) } else { rules[index].remaining = remaining - 1 }
                }
                return rule
            }
            return nil
        }
    }
}
