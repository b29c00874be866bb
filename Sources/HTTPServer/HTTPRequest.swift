/// One HTTP request as the server received it: the method, the decoded path, the query as sent
/// (repeated keys kept, in order), the headers and the whole body.
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [QueryItem]
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, path: String, query: [QueryItem] = [], headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// One `name=value` pair of a query string; `value` is nil for a bare `?name`.
public struct QueryItem: Sendable, Equatable {
    public var name: String
    public var value: String?

    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}

/// Header fields in the order received; look-ups ignore case, as HTTP does.
public struct HTTPHeaders: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field]

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { Field(name: $0.0, value: $0.1) }
    }

    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Every field whose name `matches` gets `value` instead of its own.
    public mutating func replaceValues(of matches: (String) -> Bool, with value: String) {
        for index in fields.indices where matches(fields[index].name) { fields[index].value = value }
    }
}

extension String {
    /// ASCII case-insensitive comparison: header names are ASCII, and this avoids Foundation's locale work.
    /// Compares the bytes in place: every header look-up of every request comes here, and a `zip`
    /// of two UTF-8 views cost more than the comparison.
    public func caseInsensitiveEquals(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var (lhs, rhs) = (self, other)
        return lhs.withUTF8 { a in
            rhs.withUTF8 { b in
                for index in 0..<a.count where a[index] != b[index] {
                    let folded = a[index] | 0x20
                    guard folded == b[index] | 0x20, folded >= 0x61, folded <= 0x7A else { return false }
                }
                return true
            }
        }
    }
}
