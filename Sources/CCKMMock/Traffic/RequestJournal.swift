import CCKMCore
import CCKMEngine
import CCKMStore
import Foundation
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
    /// The stub that answered it; nil when the modelled API did.
    var stub: String?
    /// Neither a stub nor a route took it: WireMock's unmatched requests.
    var unmatched = false
    /// `bytes(...)` of the entry, counted once when it is recorded.
    var bytes = 0

    static let secretHeaders: Set<String> = ["authorization", "cookie", "proxy-authorization"]
    /// Bodies longer than this are kept cut, with a note.
    static let bodyLimit = 16 * 1024
    /// A header or query value longer than this is kept cut, with a note.
    static let valueLimit = 1024
    /// Bytes of headers and of query (names and values) kept; the fields past it are left out and
    /// counted in a last field named `…`. Kept whole, a 10,000-entry journal of 32 KB heads was
    /// 580 MB.
    static let headLimit = 8 * 1024

    /// About what the entry holds in memory: what the journal's byte budget counts.
    static func bytes(method: String, path: String, body: String, headers: HTTPHeaders, query: [QueryItem]) -> Int {
        method.utf8.count + path.utf8.count + body.utf8.count + 64
            + headers.fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 32 }
            + query.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.utf8.count ?? 0) + 32 }
    }

    var json: String {
        let items = query.map { item in
            JSONValue.object([("name", .string(item.name)), ("value", item.value.map(JSONValue.string) ?? .null)]).jsonText
        }
        let fields = JSONValue.object(headers.fields.map { ($0.name, .string($0.value)) }).jsonText
        return JSONWriter.object([
            ("sequence", .number(sequence)), ("method", .string(method)), ("path", .string(path)), ("query", .array(items)),
            ("headers", .rendered(fields)), ("body", .string(body)), ("status", .number(status)), ("domain", domain.map(JSONPart.string) ?? .null),
            ("at", .string(at.description)), ("stub", stub.map(JSONPart.string) ?? .null),
        ])
    }
}

/// The last `capacity` requests outside `/__admin`, oldest first: what a test verifies its client sent.
/// A ring: recording never moves the entries already kept.
package final class RequestJournal: Sendable {
    /// Largest `limit` a journal listing takes (the spec's bound; far above any `--journal-size` in use).
    static let maxShown = 1_000_000
    /// What `GET /__admin/requests` shows without `limit`: the newest this many.
    static let defaultShown = 1000
    /// Bytes the entries may hold together; the oldest go first past it, whatever `capacity` says.
    static let defaultMaxBytes = 64 << 20
    let capacity: Int
    let maxBytes: Int
    private let state: Mutex<Ring>

    /// Oldest first: `entries[start...]` are kept; the front is let go in steps, not one by one.
    private struct Ring {
        var entries: [JournalEntry] = []
        var start = 0
        var bytes = 0
        var next = 1

        var count: Int { entries.count - start }
        var ordered: [JournalEntry] { Array(entries[start...]) }

        mutating func dropOldest() {
            bytes -= entries[start].bytes
            start += 1
            if start > 1024, start * 2 > entries.count {
                entries.removeFirst(start)
                start = 0
            }
        }
    }

    package init(capacity: Int = 10_000, maxBytes: Int = RequestJournal.defaultMaxBytes) {
        self.capacity = max(0, capacity)
        self.maxBytes = maxBytes
        state = Mutex(Ring())
    }

    func record(_ request: HTTPRequest, status: Int, domain: String? = nil, at: Timestamp, stub: String? = nil, unmatched: Bool = false) {
        guard capacity > 0 else { return }
        var headers: HTTPHeaders
        if Self.withinLimits(request.headers.fields.lazy.map { ($0.name, $0.value) }) {
            // Nearly every head: the request's own fields (no copy of a string), the secrets masked.
            headers = request.headers
            headers.replaceValues(of: Self.isSecret, with: Secrets.mask)
        } else {
            headers = HTTPHeaders()
            for (name, value) in Self.bounded(request.headers.fields.map { ($0.name, $0.value) }) {
                headers.add(name: name, value: Self.isSecret(name) ? Secrets.mask : value ?? "")
            }
        }
        var body = Secrets.masked(body: request.body.prefix(JournalEntry.bodyLimit))
        if request.body.count > JournalEntry.bodyLimit { body += "…(\(request.body.count) bytes in all)" }
        let query =
            Self.withinLimits(request.query.lazy.map { ($0.name, $0.value ?? "") }) && !request.query.contains { Secrets.isSecret($0.name) }
            ? request.query
            : Self.bounded(request.query.map { ($0.name, $0.value) }).map { name, value in
                QueryItem(name: name, value: Secrets.isSecret(name) && value != nil ? Secrets.mask : value)
            }
        let size = JournalEntry.bytes(method: request.method, path: request.path, body: body, headers: headers, query: query)
        state.withLock { ring in
            let entry = JournalEntry(
                sequence: ring.next, method: request.method, path: request.path, query: query, headers: headers, body: body,
                status: status, domain: domain, at: at, stub: stub, unmatched: unmatched, bytes: size)
            ring.next += 1
            ring.entries.append(entry)
            ring.bytes += entry.bytes
            while ring.count > capacity || (ring.bytes > maxBytes && ring.count > 1) { ring.dropOldest() }
        }
    }

    private static func cut(_ text: String) -> String {
        String(decoding: text.utf8.prefix(JournalEntry.valueLimit), as: UTF8.self) + "…(\(text.utf8.count) bytes in all)"
    }

    /// Fields as the journal keeps them: each value cut at `valueLimit`, and no more than
    /// `headLimit` bytes in all; what is left out is counted in a last field named `…`.
    private static func bounded(_ fields: [(String, String?)]) -> [(String, String?)] {
        var kept: [(String, String?)] = []
        var used = 0
        kept.reserveCapacity(fields.count)
        for (index, (name, value)) in fields.enumerated() {
            // The strings are kept as they are (no copy) unless they pass the limit.
            let shown = value.map { value in value.utf8.count > JournalEntry.valueLimit ? cut(value) : value }
            let cost = min(name.utf8.count, JournalEntry.valueLimit) + (shown?.utf8.count ?? 0)
            guard used + cost <= JournalEntry.headLimit else {
                kept.append(("…", "\(fields.count - index) more left out"))
                break
            }
            used += cost
            kept.append((name.utf8.count > JournalEntry.valueLimit ? cut(name) : name, shown))
        }
        return kept
    }

    /// Whether `bounded` would keep every field as it is: no value past `valueLimit`, all within `headLimit`.
    private static func withinLimits(_ fields: some Sequence<(String, String)>) -> Bool {
        var used = 0
        for (name, value) in fields {
            let (nameBytes, valueBytes) = (name.utf8.count, value.utf8.count)
            guard nameBytes <= JournalEntry.valueLimit, valueBytes <= JournalEntry.valueLimit else { return false }
            used += nameBytes + valueBytes
        }
        return used <= JournalEntry.headLimit
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

    /// Bytes the entries hold now, as the budget counts them.
    var bytes: Int { state.withLock { $0.bytes } }
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

    init(_ query: QueryValues) throws(InputError) {
        method = query["method"]
        path = query["path"]
        if let path, path.utf8.count > RequestMatcher.maxText || path.filter({ $0 == "*" }).count > RequestMatcher.maxWildcards {
            throw .invalidParameter("path", "at most \(RequestMatcher.maxText) bytes and \(RequestMatcher.maxWildcards) wildcards")
        }
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
