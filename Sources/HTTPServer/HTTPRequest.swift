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
}

extension String {
    /// ASCII case-insensitive comparison: header names are ASCII, and this avoids Foundation's locale work.
    public func caseInsensitiveEquals(_ other: String) -> Bool {
        let lhs = utf8
        let rhs = other.utf8
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { a, b in a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= 0x61 && (a | 0x20) <= 0x7A) }
    }
}
