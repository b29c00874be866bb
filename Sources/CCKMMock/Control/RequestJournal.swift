import HTTPServer
import Synchronization

/// One request the mock answered, as the journal keeps it.
struct JournalEntry: Sendable {
    var sequence: Int
    var method: String
    var path: String
    var query: [QueryItem]
    /// Headers with secrets (`Authorization`, `Cookie`) masked.
    var headers: HTTPHeaders
    /// The body with secret members masked (see `Secrets`).
    var body: String
    var status: Int
    /// The domain the request acted in (its token's, or root with login off); nil for requests
    /// outside the CCKM paths (login) and those refused before their token was read.
    var domain: String?
    var at: Timestamp

    static let secretHeaders: Set<String> = ["authorization", "cookie", "proxy-authorization"]
    /// Bodies longer than this are kept cut, with a note.
    static let bodyLimit = 16 * 1024

    var json: String {
        let items = query.map { item in
            JSONValue.object([("name", .string(item.name)), ("value", item.value.map(JSONValue.string) ?? .null)]).jsonText
        }
        let fields = JSONValue.object(headers.fields.map { ($0.name, .string($0.value)) }).jsonText
        return JSONWriter.object([
            ("sequence", .number(sequence)), ("method", .string(method)), ("path", .string(path)), ("query", .array(items)),
            ("headers", .rendered(fields)), ("body", .string(body)), ("status", .number(status)), ("domain", domain.map(JSONPart.string) ?? .null),
            ("at", .string(at.description)),
        ])
    }
}

/// The last `capacity` requests outside `/__admin`, oldest first: what a test verifies its client sent.
/// A ring: recording never moves the entries already kept.
final class RequestJournal: Sendable {
    /// Largest `limit` a journal listing takes (the spec's bound; far above any `--journal-size` in use).
    static let maxShown = 1_000_000
    let capacity: Int
    private let state: Mutex<Ring>

    private struct Ring {
        var slots: [JournalEntry] = []
        /// Index of the oldest entry once the ring is full.
        var oldest = 0
        var next = 1

        var ordered: [JournalEntry] { Array(slots[oldest...] + slots[..<oldest]) }
    }

    init(capacity: Int = 10_000) {
        self.capacity = max(0, capacity)
        state = Mutex(Ring())
    }

    func record(_ request: HTTPRequest, status: Int, domain: String? = nil, at: Timestamp) {
        guard capacity > 0 else { return }
        var headers = HTTPHeaders()
        for field in request.headers.fields {
            headers.add(name: field.name, value: Self.isSecret(field.name) ? Secrets.mask : field.value)
        }
        var body = Secrets.masked(body: request.body.prefix(JournalEntry.bodyLimit))
        if request.body.count > JournalEntry.bodyLimit { body += "…(\(request.body.count) bytes in all)" }
        let query = request.query.map { item in
            Secrets.isSecret(item.name) && item.value != nil ? QueryItem(name: item.name, value: Secrets.mask) : item
        }
        state.withLock { ring in
            let entry = JournalEntry(
                sequence: ring.next, method: request.method, path: request.path, query: query, headers: headers, body: body,
                status: status, domain: domain, at: at)
            ring.next += 1
            if ring.slots.count < capacity {
                ring.slots.append(entry)
            } else {
                ring.slots[ring.oldest] = entry
                ring.oldest = (ring.oldest + 1) % capacity
            }
        }
    }

    private static func isSecret(_ name: String) -> Bool {
        JournalEntry.secretHeaders.contains { $0.caseInsensitiveEquals(name) }
    }

    /// Entries whose method matches (any case) and whose path matches `pattern` (`*` for any run).
    func entries(method: String? = nil, path pattern: String? = nil) -> [JournalEntry] {
        entries(matching: JournalFilter(method: method, path: pattern))
    }

    /// Entries the filter keeps, oldest first.
    func entries(matching filter: JournalFilter) -> [JournalEntry] {
        state.withLock { $0.ordered }.filter(filter.matches)
    }

    func clear() {
        state.withLock { $0 = Ring(next: $0.next) }
    }
}

/// Which journal entries a listing or count keeps: `?method=&path=&status=&after=`.
struct JournalFilter: Sendable {
    var method: String?
    /// A `*` glob.
    var path: String?
    /// A status (`503`) or a class of them (`5xx`).
    var status: ClosedRange<Int>?
    /// Only entries numbered after this one (a page's cursor).
    var after: Int?

    init(method: String? = nil, path: String? = nil, status: ClosedRange<Int>? = nil, after: Int? = nil) {
        self.method = method
        self.path = path
        self.status = status
        self.after = after
    }

    init(_ query: AdminQuery) throws(APIError) {
        method = query["method"]
        path = query["path"]
        if let text = query["status"] {
            if let code = Int(text), (0...599).contains(code) {
                status = code...code
            } else if text.count == 3, text.lowercased().hasSuffix("xx"), let digit = text.first?.wholeNumberValue, (1...5).contains(digit) {
                status = digit * 100...digit * 100 + 99
            } else {
                throw .invalidParameter("status", "\"\(text)\" is not a status such as 503 or a class such as 5xx")
            }
        }
        if let text = query["after"] {
            guard let sequence = Int(text), sequence >= 0 else { throw .invalidParameter("after", "\"\(text)\" is not a sequence number") }
            after = sequence
        }
    }

    func matches(_ entry: JournalEntry) -> Bool {
        (method.map { $0.uppercased() == entry.method } ?? true) && (path.map { globMatches($0, entry.path) } ?? true)
            && (status.map { $0.contains(entry.status) } ?? true) && (after.map { entry.sequence > $0 } ?? true)
    }
}

/// `*` matches any run of characters (slashes included); everything else matches itself.
func globMatches(_ pattern: String, _ text: String) -> Bool {
    let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
    guard parts.count > 1 else { return pattern == text }
    guard text.hasPrefix(parts[0]) else { return false }
    var rest = Substring(text.dropFirst(parts[0].count))
    for part in parts.dropFirst().dropLast() where !part.isEmpty {
        guard let range = rest.range(of: part) else { return false }
        rest = rest[range.upperBound...]
    }
    return rest.hasSuffix(parts.last!)
}
