import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// A request's query as the control API and the scheduler read it: the first non-empty value of each name.
struct QueryValues {
    private let values: [String: String]

    init(_ items: [QueryItem]) {
        var values: [String: String] = [:]
        for item in items {
            if let value = item.value, !value.isEmpty, values[item.name] == nil { values[item.name] = value }
        }
        self.values = values
    }

    subscript(name: String) -> String? { values[name] }

    /// 400 naming the first parameter that is not one of `known`: a misspelt filter must not
    /// quietly match everything.
    func rejectUnknown(_ known: [String]) throws(InputError) {
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidParameter(unknown, "unknown parameter (known: \(known.joined(separator: ", ")))")
        }
    }

    /// A whole number in `range`, or nil when absent.
    func number(_ name: String, in range: ClosedRange<Int>) throws(InputError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw .invalidParameter(name, "\"\(text)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
