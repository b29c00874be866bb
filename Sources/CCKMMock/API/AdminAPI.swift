import HTTPServer

/// The control API under `/__admin`: what tests and demos use to steer and inspect the mock.
/// No token needed; never journaled, never faulted.
extension CCKMApp {
    func admin(_ route: AdminRoute, request: HTTPRequest) throws -> HTTPReply {
        let method = request.method == "HEAD" ? "GET" : request.method
        guard route.allowedMethods.contains(method) else {
            throw APIError.methodNotAllowed(request.method, allowed: route.allowedMethods)
        }
        let query = AdminQuery(request.query)
        switch (route, method) {
        case (.health, _):
            return .now(.json(200, #"{"status":"ok"}"#))
        case (.clock, "GET"):
            return .now(.json(200, clockJSON()))
        case (.clock, _):
            simulator.planner.setTimeScale(try Self.timeScale(in: request.body))
            return .now(.json(200, clockJSON()))
        case (.domains, _):
            let domains = [Job.rootDomain] + tokens.currentAccounts.domains
            return .now(.json(200, "{\"domains\":[" + domains.map { JSONValue.string($0).jsonText }.joined(separator: ",") + "]}"))
        case (.tokens, _):
            return .now(.json(200, try tokens.adminToken(body: request.body)))
        case (.tlsCertificate, _):
            guard let certificatePEM else { throw APIError.notFound("The mock serves plain HTTP (--tls off): there is no certificate") }
            return .now(
                HTTPResponse(
                    status: 200, headers: HTTPHeaders([("Content-Type", "application/x-pem-file"), ("Cache-Control", "no-store")]),
                    body: Array(certificatePEM.utf8)))
        case (.openAPI, _):
            return .now(
                HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/yaml")]), body: Self.openAPIBytes))
        case (.ui, _):
            return .now(
                HTTPResponse(
                    status: 200, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]),
                    body: Self.dashboardBytes))
        case (.clockAdvance, _):
            let events = try simulator.advance(seconds: try Self.seconds(in: request.body))
            return .now(.json(200, clockJSON(transitions: events.count)))
        case (.settle, _):
            return .now(.json(200, clockJSON(transitions: try simulator.settle().count)))
        case (.reset, _):
            return .now(try reset(query))
        case (.fixtures, _):
            return .now(try loadFixture(request.body, mode: query["mode"] ?? "merge"))
        case (.jobs, _):
            return .now(try listJobs(request.query, query))
        case (.jobComplete(let id), _), (.jobFail(let id), _):
            return .now(try force(id: id, query: query, body: request.body, fail: route == .jobFail(id: id)))
        case (.jobWait(let id), _):
            return try wait(id: id, query: query)
        case (.faults, "GET"):
            return .now(.json(200, "{\"faults\":[" + faults.all.map(\.json).joined(separator: ",") + "]}"))
        case (.faults, "POST"):
            let rule = try FaultRule.parse(request.body, id: randomness.uuid())
            faults.add(rule)
            return .now(.json(201, rule.json))
        case (.faults, _):
            faults.removeAll()
            return .now(HTTPResponse(status: 204))
        case (.fault(let id), "GET"):
            guard let rule = faults.all.first(where: { $0.id == id }) else { throw APIError.notFound("No fault \(id)") }
            return .now(.json(200, rule.json))
        case (.fault(let id), _):
            guard faults.remove(id: id) else { throw APIError.notFound("No fault \(id)") }
            return .now(HTTPResponse(status: 204))
        case (.requests, "GET"):
            try query.rejectUnknown(["method", "path", "status", "limit", "after"])
            let filter = try JournalFilter(query)
            let entries = journal.entries(matching: filter)
            let limit = try query.number("limit", in: 0...RequestJournal.maxShown)
            // With `after`, a page forward from that entry; without, the last `limit` entries.
            let shown = filter.after == nil ? entries.suffix(limit ?? entries.count) : entries.prefix(limit ?? entries.count)
            let next = filter.after != nil && shown.count < entries.count ? shown.last.map { "\"\($0.sequence)\"" } ?? "null" : "null"
            return .now(
                .json(
                    200,
                    "{\"total\":\(entries.count),\"requests\":[" + shown.map(\.json).joined(separator: ",") + "],\"next\":" + next + "}"))
        case (.requests, _):
            journal.clear()
            return .now(HTTPResponse(status: 204))
        case (.requestsCount, "POST"):
            let matcher = try RequestMatcher.parse(request.body)
            return .now(.json(200, "{\"count\":\(journal.entries(matching: JournalFilter()).filter(matcher.matches).count)}"))
        case (.requestsFind, _):
            let matcher = try RequestMatcher.parse(request.body)
            let found = journal.entries(matching: JournalFilter()).filter(matcher.matches)
            return .now(.json(200, "{\"requests\":[" + found.map(\.json).joined(separator: ",") + "]}"))
        case (.requestsNearMisses, _):
            return .now(.json(200, nearMisses(try RequestMatcher.parse(request.body))))
        case (.requestsCount, _):
            try query.rejectUnknown(["method", "path", "status", "after"])
            return .now(.json(200, "{\"count\":\(journal.entries(matching: try JournalFilter(query)).count)}"))
        case (.events, _):
            return .now(try events(query))
        case (.schedules, _):
            return .now(.json(200, try schedulesJSON()))
        case (.snapshots, _):
            return .now(.json(200, try snapshotsJSON()))
        case (.snapshot(let name), "POST"):
            try Self.checkSnapshotName(name)
            try store.saveSnapshot(name, clock: simulator.clock.now())
            return .now(.json(201, try snapshotsJSON(only: name)))
        case (.snapshot(let name), _):
            guard try store.deleteSnapshot(name) else { throw APIError.notFound("No snapshot named \"\(name)\"") }
            return .now(HTTPResponse(status: 204))
        case (.snapshotRestore(let name), _):
            try simulator.restore(snapshot: name)
            try adoptDomainsOfStoredJobs()
            return .now(.json(200, clockJSON()))
        }
    }

    /// The journaled requests that come closest to `matcher` without matching it, fewest
    /// differences first (the newest first among equals): what a failed verification shows.
    private func nearMisses(_ matcher: RequestMatcher, limit: Int = 5) -> String {
        let misses = journal.entries(matching: JournalFilter()).reversed().compactMap { entry -> (JournalEntry, [String])? in
            let differences = matcher.differences(entry)
            return differences.isEmpty ? nil : (entry, differences)
        }
        let closest = misses.enumerated().sorted { ($0.element.1.count, $0.offset) < ($1.element.1.count, $1.offset) }.prefix(limit)
        let items = closest.map { item in
            "{\"request\":" + item.element.0.json + ",\"differences\":" + JSONValue.array(item.element.1.map(JSONValue.string)).jsonText + "}"
        }
        return "{\"nearMisses\":[" + items.joined(separator: ",") + "]}"
    }

    // MARK: - Clock

    /// `{"mode","now","timeScale"}`, plus `transitions` fired by the call that moved it.
    private func clockJSON(transitions: Int? = nil) -> String {
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("mode", first: true)
        writer.string(simulator.clock.isManual ? "manual" : "system")
        writer.key("now")
        writer.string(simulator.clock.now().description)
        writer.key("timeScale")
        writer.raw(jsonNumber(simulator.settings.timeScale))
        if let transitions {
            writer.key("transitions")
            writer.raw(String(transitions))
        }
        writer.raw("}")
        return writer.text
    }

    /// Reads `{"timeScale": X}`, X in `SimulatorSettings.timeScales`.
    private static func timeScale(in body: [UInt8]) throws(APIError) -> Double {
        guard let document = try? JSONParser.parse(body), document.objectValue != nil,
            case .number(let text)? = document["timeScale"], let scale = Double(text), SimulatorSettings.timeScales.contains(scale)
        else {
            throw .invalidParameter("timeScale", #"expected {"timeScale": X} with X from 0.001 to 10000"#)
        }
        return scale
    }

    /// The spec and the dashboard as bytes, made once rather than on each request.
    private static let openAPIBytes = Array(OpenAPIDocument.text.utf8)
    private static let dashboardBytes = Array(DashboardPage.html.utf8)

    /// The most one advance moves the clock: 10 years.
    static let maxAdvance = 10 * 365.25 * 86_400.0

    /// Reads `{"seconds": N}`, N from 0 to 10 years.
    private static func seconds(in body: [UInt8]) throws(APIError) -> Double {
        guard let document = try? JSONParser.parse(body), document.objectValue != nil else {
            throw .badRequest(#"Request body must be a JSON object such as {"seconds": 30}"#)
        }
        try document.rejectUnknownMembers(known: ["seconds"])
        guard case .number(let text)? = document["seconds"], let seconds = Double(text), seconds >= 0, seconds <= maxAdvance else {
            throw .invalidParameter("seconds", "expected a number from 0 to \(Int(maxAdvance)) (10 years)")
        }
        return seconds
    }

    // MARK: - State

    private func reset(_ query: AdminQuery) throws -> HTTPResponse {
        let target = query["to"] ?? "fixtures"
        guard target == "fixtures" || target == "empty" else {
            throw APIError.invalidParameter("to", "\"\(target)\" is not one of fixtures, empty")
        }
        let domain = query["domain"]
        do {
            try simulator.reset(to: target == "empty" ? nil : fixture.withLock { $0 }, domain: domain)
        } catch let error as FixtureError {
            // A JSON Lines file is read again at each reset, and it may have changed since the start.
            throw APIError.conflict("The fixtures no longer load (nothing of them was stored):\n" + error.description)
        }
        try adoptDomainsOfStoredJobs()
        if domain == nil {
            journal.clear()
            faults.removeAll()
        }
        return .json(200, "{\"jobs\":\(try store.count())}")
    }

    private func loadFixture(_ body: [UInt8], mode: String) throws -> HTTPResponse {
        guard mode == "merge" || mode == "replace" else { throw APIError.invalidParameter("mode", "\"\(mode)\" is not one of merge, replace") }
        let loaded: Fixture
        do {
            loaded = try Fixture.parse(bytes: body, source: "request body", now: simulator.clock.now())
        } catch {
            throw APIError.badRequest("Invalid fixture:\n" + error.description)
        }
        tokens.add(users: loaded.users, domains: loaded.domains)
        if mode == "replace" {
            fixture.withLock { $0 = loaded }
            try simulator.reset(to: loaded, domain: nil)
        } else {
            fixture.withLock { $0.merge(loaded) }
            try simulator.seed(loaded)
        }
        try adoptDomainsOfStoredJobs()
        return .json(200, "{\"loaded\":\(loaded.jobs.count),\"jobs\":\(try store.count())}")
    }

    private func snapshotsJSON(only name: String? = nil) throws -> String {
        let rows = try store.snapshots().filter { name == nil || $0.name == name }
        let items = rows.map { row in
            JSONValue.object([("name", .string(row.name)), ("clock", .string(row.clock.description)), ("jobs", .number(String(row.jobs)))])
                .jsonText
        }
        return name == nil ? "{\"snapshots\":[" + items.joined(separator: ",") + "]}" : items.first ?? "{}"
    }

    private static func checkSnapshotName(_ name: String) throws(APIError) {
        guard (1...64).contains(name.count), name.utf8.allSatisfy({ $0 < 128 }), name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) })
        else {
            throw .invalidParameter("name", "use 1 to 64 letters, digits, '.', '_' or '-'")
        }
    }

    // MARK: - Schedules

    /// `{"schedules":[{"id","domain","family","name","run_at","disabled","next_due","config"}]}`.
    private func schedulesJSON() throws -> String {
        let items = try store.allSchedulerConfigs().map { stored -> String in
            let document = (try? JSONParser.parse(Array(stored.document.utf8))) ?? .null
            return JSONValue.object([
                ("id", .string(stored.id)), ("domain", .string(stored.domain)), ("family", .string(stored.family)),
                ("name", document["name"] ?? .null), ("run_at", document["run_at"] ?? .null), ("disabled", document["disabled"] ?? .bool(false)),
                ("next_due", stored.nextDue.map { .string($0.description) } ?? .null), ("config", document),
            ]).jsonText
        }
        return "{\"schedules\":[" + items.joined(separator: ",") + "]}"
    }

    // MARK: - Jobs across families

    private func listJobs(_ items: [QueryItem], _ query: AdminQuery) throws -> HTTPResponse {
        let listQuery = try ListQuery.parse(items, targetParameter: "target")
        let family = try query["family"].map { name throws(APIError) in
            guard let family = JobFamily.named(name) else { throw .invalidParameter("family", "unknown family \"\(name)\"") }
            return family
        }
        let page = try store.listAcross(family: family, domain: query["domain"], query: listQuery)
        let scheduled = try store.schedulerConfigIDs(startedJobs: page.jobs.compactMap { Self.jobID(of: $0.document) })
        let resources = page.jobs.map { job in
            var writer = JSONWriter()
            writer.raw("{")
            writer.key("family", first: true)
            writer.string(job.family)
            writer.key("domain")
            writer.string(job.domain)
            writer.key("job")
            writer.raw(job.document)
            // The scheduler job configuration whose run started it, when one did.
            if let config = Self.jobID(of: job.document).flatMap({ scheduled[$0] }) {
                writer.key("schedule")
                writer.string(config)
            }
            writer.raw("}")
            return writer.text
        }
        return .json(200, Self.listEnvelope(query: listQuery, total: page.total, resources: resources))
    }

    /// A rendered job's id: its first member, as every job renders it (`{"id":"…",`).
    private static func jobID(of document: String) -> String? {
        guard document.hasPrefix(#"{"id":""#) else { return nil }
        return String(document.dropFirst(7).prefix(36))
    }

    /// The one job with this id, across families unless `?family=` narrows it.
    private func locate(_ id: String, _ query: AdminQuery) throws -> JobFamily {
        if let name = query["family"] {
            guard let family = JobFamily.named(name) else { throw APIError.invalidParameter("family", "unknown family \"\(name)\"") }
            return family
        }
        let families = try store.families(holding: id.lowercased())
        guard let family = families.first else { throw APIError.notFound() }
        guard families.count == 1 else {
            throw APIError.conflict("Job \(id) exists in families \(families.map(\.name).joined(separator: ", ")); add ?family=")
        }
        return family
    }

    private func force(id: String, query: AdminQuery, body: [UInt8], fail: Bool) throws -> HTTPResponse {
        let family = try locate(id, query)
        var target: String?
        var message: String?
        if !body.isEmpty {
            guard let document = try? JSONParser.parse(body), document.objectValue != nil else {
                throw APIError.badRequest(#"Request body must be empty or a JSON object such as {"target": "…", "message": "…"}"#)
            }
            try document.rejectUnknownMembers(known: ["target", "message"])
            target = try document.optionalString("target")
            message = try document.optionalString("message")
        }
        _ = try simulator.force(family: family, id: id.lowercased(), target: target, fail: fail, message: message)
        guard let domain = try store.domain(family: family, id: id.lowercased()),
            let document = try store.document(family: family, domain: domain, id: id.lowercased())
        else { throw APIError.notFound() }
        return .json(200, document)
    }

    /// Answers when the job reaches `status` (default: any final status), or 408 after `timeout`.
    private func wait(id: String, query: AdminQuery) throws -> HTTPReply {
        let family = try locate(id, query)
        let wanted = query["status"] ?? "done"
        let accepts: @Sendable (JobStatus) -> Bool
        if wanted == "done" {
            accepts = { $0 != .inProgress }
        } else if let status = JobStatus(lenient: wanted) {
            accepts = { $0 == status }
        } else {
            throw APIError.invalidParameter("status", "\"\(wanted)\" is not one of in_progress, completed, failed, done")
        }
        let timeout = try Self.duration(query["timeout"] ?? "30s")
        let jobID = id.lowercased()
        guard let domain = try store.domain(family: family, id: jobID), let document = try store.document(family: family, domain: domain, id: jobID)
        else { throw APIError.notFound() }
        if let status = (try? JSONParser.parse(document))?["overall_status"]?.stringValue.flatMap(JobStatus.init(lenient:)), accepts(status) {
            return .now(.json(200, document))
        }
        let timedOut = response(
            for: APIError(
                status: 408, code: 15, name: "NCERRRequestTimeout", description: "Request timeout",
                message: "Job \(id) did not reach \(wanted) within \(query["timeout"] ?? "30s")"))
        let waiters = simulator.waiters
        return .later { deliver in
            let waiter = JobWaiters.Waiter(family: family, domain: domain, id: jobID, accepts: accepts, deliver: deliver)
            let ticket = waiters.add(waiter)
            // A change between the check above and the parking is caught here.
            waiters.check(jobs: [waiter.key], store: self.store)
            Task {
                try? await Task.sleep(for: timeout)
                waiters.expire(ticket, of: waiter.key, with: timedOut)
            }
        }
    }

    /// `250ms`, `10s`, `2m`, or plain seconds; at most 5 minutes.
    static func duration(_ text: String) throws(APIError) -> Duration {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var number = text
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = String(text.dropLast(suffix.count))
            scale = factor
            break
        }
        guard let value = Double(number), value >= 0, value * scale <= 300 else {
            throw .invalidParameter("timeout", "\"\(text)\" is not a duration such as 500ms, 10s or 2m, at most 5m")
        }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    // MARK: - Events

    /// The most events one page holds, and the default page.
    static let maxEventPage = 10_000

    /// `?job=&since=&after=&limit=`: a page of events and the `next` cursor (null on the last page),
    /// so that a long history is paged rather than silently cut.
    private func events(_ query: AdminQuery) throws -> HTTPResponse {
        try query.rejectUnknown(["job", "since", "after", "limit"])
        let since = try query["since"].map { text throws(APIError) in
            guard let time = Timestamp(rfc3339: text) else { throw .invalidParameter("since", "\"\(text)\" is not an RFC 3339 time") }
            return time
        }
        let after = try query["after"].map { text throws(APIError) in
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
        let next = page.next.map { "\"\($0)\"" } ?? "null"
        return .json(200, "{\"events\":[" + items.joined(separator: ",") + "],\"next\":" + next + "}")
    }
}

/// The control API's query: the first non-empty value of each name.
struct AdminQuery {
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
    func rejectUnknown(_ known: [String]) throws(APIError) {
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidParameter(unknown, "unknown parameter (known: \(known.joined(separator: ", ")))")
        }
    }

    /// A whole number in `range`, or nil when absent.
    func number(_ name: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw .invalidParameter(name, "\"\(text)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
