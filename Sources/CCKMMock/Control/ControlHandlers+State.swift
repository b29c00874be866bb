import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer
import Synchronization

/// The control API's state: resets, fixture loads, snapshots and the scheduler configurations.
extension ControlHandlers {
    /// A reset of everything, or of one domain, back to the baseline (`to=fixtures`, the default),
    /// the start-up fixtures (`to=startup`, which become the baseline again) or nothing. A reset
    /// wipes, so what it names is checked first: a misspelt parameter (`?domian=team-a`) or an
    /// empty `domain=` is a 400 and an unknown domain a 404 (the route row names the parameters).
    /// A full reset puts a manual clock back to its start-up instant too (`clock=restart`, the
    /// default; `clock=keep` leaves it where it is).
    func reset(_ query: QueryValues, items: [QueryItem]) throws -> HTTPResponse {
        if items.contains(where: { $0.name == "domain" && ($0.value ?? "").isEmpty }) {
            throw APIError.invalidParameter("domain", "empty; leave it out to reset every domain")
        }
        // Known: declared for logins, or holding jobs or configurations (a fixture's own).
        if let domain = query["domain"], !tokens.knowsDomain(domain), try !store.domainsHoldingJobs().contains(domain) {
            throw AuthError.unknownDomain(domain)
        }
        let target = query["to"] ?? "fixtures"
        let domain = query["domain"]
        let fixture: Fixture?
        switch target {
        case "fixtures": fixture = baseline.withLock { $0 }
        case "startup": fixture = startupFixture
        case "empty": fixture = nil
        default: throw APIError.invalidParameter("to", "\"\(target)\" is not one of fixtures, startup, empty")
        }
        let rewind: Bool
        switch query["clock"] ?? "restart" {
        case "restart": rewind = true
        case "keep": rewind = false
        case let other: throw APIError.invalidParameter("clock", "\"\(other)\" is not one of restart, keep")
        }
        if rewind, domain != nil, query["clock"] != nil {
            throw APIError.invalidParameter("clock", "a domain's reset keeps the clock (other domains' jobs run on it); leave it out")
        }
        do {
            try engine.reset(to: fixture, domain: domain, rewinding: rewind)
        } catch let error as FixtureError {
            // A JSON Lines file is read again at each reset, and it may have changed since the start.
            throw APIError.conflict("The fixtures no longer load (the store is as it was before the reset):\n" + error.description)
        }
        if domain == nil {
            if target == "startup" { baseline.withLock { $0 = startupFixture } }
            tokens.restoreAccounts(adding: baseline.withLock { $0 })
            journal.clear()
            faults.removeAll()
            stubs.reset(to: fixture?.stubs ?? [])
        }
        try adoptDomainsOfStoredJobs()
        return .json(200, JSONWriter.object([("jobs", .number(try store.count()))]))
    }

    /// A fixture load: `mode=merge` adds to what is stored, `mode=replace` makes it the whole state.
    /// Either changes the state only, and the next reset takes it away; `baseline=true` makes the
    /// result what resets go back to (`reset?to=startup` undoes that).
    func loadFixture(_ body: [UInt8], _ query: QueryValues) throws -> HTTPResponse {
        let mode = query["mode"] ?? "merge"
        guard mode == "merge" || mode == "replace" else { throw APIError.invalidParameter("mode", "\"\(mode)\" is not one of merge, replace") }
        let asBaseline: Bool
        switch query["baseline"] ?? "false" {
        case "true": asBaseline = true
        case "false": asBaseline = false
        case let other: throw APIError.invalidParameter("baseline", "\"\(other)\" is not one of true, false")
        }
        let loaded: Fixture
        do {
            loaded = try Fixture.parse(bytes: body, source: "request body", now: engine.clock.now())
        } catch {
            throw APIError.badRequest("Invalid fixture:\n" + error.description)
        }
        tokens.add(users: loaded.users, domains: loaded.namedDomains)
        if mode == "replace" {
            try engine.reset(to: loaded, domain: nil)
            stubs.removeAll()
        } else {
            try engine.seed(loaded)
        }
        for stub in loaded.stubs { stubs.add(stub) }
        if asBaseline {
            baseline.withLock { mode == "replace" ? ($0 = loaded) : $0.merge(loaded) }
        }
        try adoptDomainsOfStoredJobs()
        return .json(
            200,
            JSONWriter.object([
                ("loaded", .number(loaded.jobs.count)), ("jobs", .number(try store.count())), ("baseline", .rendered(asBaseline ? "true" : "false")),
            ]))
    }

    func snapshotsJSON(only name: String? = nil) throws -> String {
        let rows = try store.snapshots.all().filter { name == nil || $0.name == name }
        let items = rows.map { row in
            JSONValue.object([("name", .string(row.name)), ("clock", .string(row.clock.description)), ("jobs", .number(String(row.jobs)))])
                .jsonText
        }
        return name == nil ? JSONWriter.object([("snapshots", .array(items))]) : items.first ?? "{}"
    }

    static func checkSnapshotName(_ name: String) throws(InputError) {
        guard (1...64).contains(name.count), name.utf8.allSatisfy({ $0 < 128 }), name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) })
        else {
            throw .invalidParameter("name", "use 1 to 64 letters, digits, '.', '_' or '-'")
        }
    }

    /// `{"schedules":[{"id","domain","family","name","run_at","disabled","next_due","last_run","config"}]}`;
    /// `family` is "" for an operation that starts no job, `last_run` the newest job run or null.
    func schedulesJSON() throws -> String {
        let latest = try store.scheduler.latestSchedulerRuns()
        let items = try store.scheduler.allSchedulerConfigs().map { stored -> String in
            let document = (try? JSONParser.parse(Array(stored.document.utf8))) ?? .null
            return JSONValue.object([
                ("id", .string(stored.id)), ("domain", .string(stored.domain)), ("family", .string(stored.family)),
                ("name", document["name"] ?? .null), ("run_at", document["run_at"] ?? .null), ("disabled", document["disabled"] ?? .bool(false)),
                ("next_due", stored.nextDue.map { .string($0.description) } ?? .null),
                ("last_run", latest[stored.id].map { (try? JSONParser.parse(Array($0.document.utf8))) ?? .null } ?? .null), ("config", document),
            ]).jsonText
        }
        return JSONWriter.object([("schedules", .array(items))])
    }
}
