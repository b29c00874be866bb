/// Compact JSON text, written into one growing byte buffer: no intermediate values, no Foundation.
/// Bytes rather than a `String`: appending to a string re-checks its capacity, count and ASCII
/// flags on every call, which was most of the time spent rendering a large fixture's jobs.
package struct JSONWriter {
    private var bytes: [UInt8] = []

    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// What has been written.
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    package mutating func raw(_ fragment: String) {
        bytes.append(contentsOf: fragment.utf8)
    }

    package mutating func string(_ value: String) {
        bytes.append(0x22)
        var clean = true
        for unit in value.utf8 where unit < 0x20 || unit == 0x22 || unit == 0x5C {
            clean = false
            break
        }
        if clean {
            bytes.append(contentsOf: value.utf8)
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": raw("\\\"")
                case "\\": raw("\\\\")
                case "\n": raw("\\n")
                case "\r": raw("\\r")
                case "\t": raw("\\t")
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    raw("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: UTF8.encode(scalar) { bytes.append($0) }
                }
            }
        }
        bytes.append(0x22)
    }

    /// `"key":` with the comma that separates it from a previous member when `first` is false.
    package mutating func key(_ name: String, first: Bool = false) {
        if !first { raw(",") }
        string(name)
        raw(":")
    }

    package mutating func stringArray(_ values: [String]) {
        raw("[")
        for (index, value) in values.enumerated() {
            if index > 0 { raw(",") }
            string(value)
        }
        raw("]")
    }

    package mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): raw(flag ? "true" : "false")
        case .number(let number): raw(number)
        case .string(let string): self.string(string)
        case .array(let items):
            raw("[")
            for (index, item) in items.enumerated() {
                if index > 0 { raw(",") }
                self.value(item)
            }
            raw("]")
        case .object(let members):
            raw("{")
            for (index, member) in members.enumerated() {
                key(member.key, first: index == 0)
                self.value(member.value)
            }
            raw("}")
        }
    }
}

extension JSONValue {
    /// Compact JSON text of this value.
    package var jsonText: String {
        var writer = JSONWriter()
        writer.value(self)
        return writer.text
    }
}

/// A number as JSON: whole numbers without a fraction.
package func jsonNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}

/// One member's value in `JSONWriter.object`: parts already rendered as JSON are kept as they are.
package enum JSONPart {
    case number(Int)
    case string(String)
    /// Text that is JSON already (a rendered job, an entry).
    case rendered(String)
    /// An array of rendered JSON texts.
    case array([String])
    case null
}

extension JSONWriter {
    /// `{"name": value, …}` in the order given: the one way envelopes around rendered parts are
    /// written (lists, journals, events), instead of concatenating strings.
    package static func object(_ members: [(String, JSONPart)]) -> String {
        let size = members.reduce(16) { total, member in
            switch member.1 {
            case .rendered(let text), .string(let text): total + member.0.utf8.count + text.utf8.count + 6
            case .array(let items): total + member.0.utf8.count + items.reduce(items.count + 6) { $0 + $1.utf8.count }
            case .number, .null: total + member.0.utf8.count + 24
            }
        }
        var writer = JSONWriter(capacity: size)
        writer.raw("{")
        for (index, (name, part)) in members.enumerated() {
            writer.key(name, first: index == 0)
            switch part {
            case .number(let value): writer.raw(String(value))
            case .string(let value): writer.string(value)
            case .rendered(let text): writer.raw(text)
            case .null: writer.raw("null")
            case .array(let items):
                writer.raw("[")
                for (position, item) in items.enumerated() {
                    if position > 0 { writer.raw(",") }
                    writer.raw(item)
                }
                writer.raw("]")
            }
        }
        writer.raw("}")
        return writer.text
    }
}
