import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// The control API's history: near misses of a verification, and the events.
extension ControlHandlers {
    /// The journaled requests that come closest to `matcher` without matching it, fewest
    /// differences first (the newest first among equals): what a failed verification shows.
    func nearMisses(_ matcher: RequestMatcher, limit: Int = 5) -> String {
        let misses = journal.entries(matching: JournalFilter()).reversed().compactMap { entry -> (JournalEntry, [String])? in
            let differences = matcher.differences(entry)
            return differences.isEmpty ? nil : (entry, differences)
        }
        let closest = misses.enumerated().sorted { ($0.element.1.count, $0.offset) < ($1.element.1.count, $1.offset) }.prefix(limit)
        let items = closest.map { item in
            "{\"request\":" + item.element.0.json + ",\"differences\":" + JSONValue.array(item.element.1.map(JSONValue.string)).jsonText + "}"
        }
        return JSONWriter.object([("nearMisses", .array(items))])
    }

    /// The most events one page holds, and the default page.
    static let maxEventPage = 10_000

    /// `?job=&since=&after=&limit=`: a page of events and the `next` cursor (null on the last page),
    /// so that a long history is paged rather than silently cut.
    func events(_ query: QueryValues) throws -> HTTPResponse {
        let since = try query["since"].map { text throws(InputError) in
            guard let time = Timestamp(rfc3339: text) else { throw .invalidParameter("since", "\"\(text)\" is not an RFC 3339 time") }
            return time
        }
        let after = try query["after"].map { text throws(InputError) in
            guard let cursor = Int64(text), cursor >= 0 else { throw .invalidParameter("after", "\"\(text)\" is not a cursor from \"next\"") }
            return cursor
        }
        let limit = try query.number("limit", in: 1...Self.maxEventPage) ?? Self.maxEventPage
        let page = try store.eventPage(jobID: query["job"]?.lowercased(), since: since, after: after, limit: limit)
        let items = page.events.map { event in
            JSONValue.object([
                ("job", .string(event.jobID)), ("family", .string(event.family.name)), ("domain", .string(event.domain)),
                ("target", event.target.map(JSONValue.string) ?? .null), ("from", event.from.map(JSONValue.string) ?? .null),
                ("to", .string(event.to)), ("at", .string(event.at.description)),
            ]).jsonText
        }
        return .json(200, JSONWriter.object([("events", .array(items)), ("next", page.next.map { .string(String($0)) } ?? .null)]))
    }
}
