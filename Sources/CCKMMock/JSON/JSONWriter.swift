/// Compact JSON text, written into one growing string: no intermediate values, no Foundation.
public struct JSONWriter {
    public private(set) var text = ""

    public init(capacity: Int = 256) {
        text.reserveCapacity(capacity)
    }

    public mutating func raw(_ fragment: String) {
        text += fragment
    }

    public mutating func string(_ value: String) {
        text += "\""
        var clean = true
        for unit in value.utf8 where unit < 0x20 || unit == 0x22 || unit == 0x5C {
            clean = false
            break
        }
        if clean {
            text += value
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "\n": text += "\\n"
                case "\r": text += "\\r"
                case "\t": text += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }

    /// `"key":` with the comma that separates it from a previous member when `first` is false.
    public mutating func key(_ name: String, first: Bool = false) {
        if !first { text += "," }
        string(name)
        text += ":"
    }

    public mutating func stringArray(_ values: [String]) {
        text += "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            string(value)
        }
        text += "]"
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .number(let number): text += number
        case .string(let string): self.string(string)
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                self.value(item)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, member) in members.enumerated() {
                key(member.key, first: index == 0)
                self.value(member.value)
            }
            text += "}"
        }
    }
}

extension JSONValue {
    /// Compact JSON text of this value.
    public var jsonText: String {
        var writer = JSONWriter()
        writer.value(self)
        return writer.text
    }
}

/// A number as JSON: whole numbers without a fraction.
func jsonNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
