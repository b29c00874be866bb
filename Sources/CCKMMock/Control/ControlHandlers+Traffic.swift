import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// The control API's traffic: fault rules, the request journal and its matchers (`Traffic/`),
/// the domains, and the route list.
extension ControlHandlers {
    func domainsJSON() -> HTTPResponse {
        let domains = [Job.rootDomain] + tokens.currentAccounts.domains
        return .json(200, JSONWriter.object([("domains", .array(domains.map { JSONValue.string($0).jsonText }))]))
    }

    func faultsJSON() -> HTTPResponse {
        .json(200, JSONWriter.object([("faults", .array(faults.all.map(\.json)))]))
    }

    func addFault(_ body: [UInt8]) throws -> HTTPResponse {
        let rule = try FaultRule.parse(body, id: randomness.uuid())
        faults.add(rule)
        return .json(201, rule.json)
    }

    func fault(_ id: String) throws -> HTTPResponse {
        guard let rule = faults.all.first(where: { $0.id == id }) else { throw APIError.notFound("No fault \(id)") }
        return .json(200, rule.json)
    }

    func requests(_ query: QueryValues) throws -> HTTPResponse {
        let filter = try JournalFilter(query)
        let entries = journal.entries(matching: filter)
        // Paged by default: an unpaged listing of a full journal built a 560 MB answer.
        let limit = try query.number("limit", in: 0...RequestJournal.maxShown) ?? RequestJournal.defaultShown
        // With `after`, a page forward from that entry; without, the last `limit` entries.
        let shown = filter.after == nil ? entries.suffix(limit) : entries.prefix(limit)
        let next = filter.after != nil && shown.count < entries.count ? shown.last.map { JSONPart.string(String($0.sequence)) } : nil
        return .json(
            200,
            JSONWriter.object([
                ("total", .number(entries.count)), ("requests", .array(shown.map(\.json))), ("next", next ?? .null),
                // WireMock's clients read these two.
                ("meta", .rendered(JSONWriter.object([("total", .number(entries.count))]))), ("requestJournalDisabled", .rendered("false")),
            ]))
    }

    func requestCount(_ query: QueryValues) throws -> HTTPResponse {
        .json(200, JSONWriter.object([("count", .number(journal.entries(matching: try JournalFilter(query)).count))]))
    }

    /// A WireMock request pattern (`url`, `urlPath`, `queryParameters`, `bodyPatterns`, ...) when the
    /// body is one; nil for the mock's own matcher.
    private func wireMockPattern(_ body: [UInt8]) throws -> StubRequestPattern? {
        guard body.count <= RequestMatcher.maxBodyBytes, let document = try? JSONParser.parse(body),
            StubRequestPattern.isWireMockForm(document)
        else { return nil }
        return try StubRequestPattern.parse(document, at: "request")
    }

    func requestCount(matching body: [UInt8]) throws -> HTTPResponse {
        if let pattern = try wireMockPattern(body) { return .json(200, JSONWriter.object([("count", .number(entries(matching: pattern).count))])) }
        let matcher = try RequestMatcher.parse(body)
        return .json(200, JSONWriter.object([("count", .number(journal.entries(matching: JournalFilter()).filter(matcher.matches).count))]))
    }

    func findRequests(_ body: [UInt8]) throws -> HTTPResponse {
        if let pattern = try wireMockPattern(body) {
            return .json(200, JSONWriter.object([("requests", .array(entries(matching: pattern).map(\.loggedRequest)))]))
        }
        let matcher = try RequestMatcher.parse(body)
        let found = journal.entries(matching: JournalFilter()).filter(matcher.matches)
        return .json(200, JSONWriter.object([("requests", .array(found.map(\.json)))]))
    }

    /// Every endpoint the mock serves, from the route table: method and path, each family's paths
    /// written out, in the table's order.
    static func routesJSON() -> HTTPResponse {
        let rows = CCKMApp.routes.rows.map { JSONWriter.object([("method", .string($0.method)), ("path", .string($0.template))]) }
        return .json(200, JSONWriter.object([("total", .number(rows.count)), ("routes", .array(rows))]))
    }
}
