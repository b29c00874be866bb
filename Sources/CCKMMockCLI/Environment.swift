#if canImport(Glibc)
    import Glibc
#endif

/// The process environment, passed in so that tests can resolve options without touching it.
public struct Environment: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    public static var current: Environment {
        var values: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return Environment(values)
    }

    subscript(name: String) -> String? { values[name] }
}

/// The flags of `serve`. Each is optional here so that, when absent, its environment variable and
/// then its default apply; `resolve` does that and checks the result.
