import HTTPServer

/// The control API's state: resets, fixture loads, snapshots and the scheduler configurations.
extension CCKMApp {
    /// A reset of everything, or of one domain. A reset wipes, so what it names is checked first
    /// (issue 24 #7): a misspelt parameter (`?domian=team-a`) or an empty `domain=` is a 400 and an
    /// unknown domain a 404, where each once wiped every tenant, the faults and the journal.
    func reset(_ query: AdminQuery, items: [QueryItem]) throws -> HTTPResponse {
        if let unknown = items.first(where: { !["to", "domain"].contains($0.name) }) {
            throw APIError.invalidParameter(unknown.name, "unknown parameter (known: to, domain)")
        }
        if items.contains(where: { $0.name == "domain" && ($0.value ?? "").isEmpty }) {
            throw APIError.invalidParameter("domain", "empty; leave it out to reset every domain")
        }
        // Known: declared for logins, or holding jobs or configurations (a fixture's own).
        if let domain = query["domain"], !tokens.knowsDomain(domain), try !store.domainsHoldingJobs().contains(domain) {
            throw AuthError.unknownDomain(domain)
        }
        let target = query["to"] ?? "fixtures"
        guard target == "fixtures" || target == "empty" else {
            throw APIError.invalidParameter("to", "\"\(target)\" is not one of fixtures, empty")
        }
        let domain = query["domain"]
        do {
            try engine.reset(to: target == "empty" ? nil : fixture.withLock { $0 }, domain: domain)
        } catch let error as FixtureError {
            // A JSON Lines file is read again at each reset, and it may have changed since the start.
            throw APIError.conflict("The fixtures no longer load (the store is as it was before the reset):\n" + error.description)
        }
        try adoptDomainsOfStoredJobs()
        if domain == nil {
            journal.clear()
            faults.removeAll()
        }
        return .json(200, JSONWriter.object([("jobs", .number(try store.count()))]))
    }

    func loadFixture(_ body: [UInt8], mode: String) throws -> HTTPResponse {
        guard mode == "merge" || mode == "replace" else { throw APIError.invalidParameter("mode", "\"\(mode)\" is not one of merge, replace") }
        let loaded: Fixture
        do {
            loaded = try Fixture.parse(bytes: body, source: "request body", now: engine.clock.now())
        } catch {
            throw APIError.badRequest("Invalid fixture:\n" + error.description)
        }
        tokens.add(users: loaded.users, domains: loaded.domains)
        if mode == "replace" {
            fixture.withLock { $0 = loaded }
            try engine.reset(to: loaded, domain: nil)
        } else {
            fixture.withLock { $0.merge(loaded) }
            try engine.seed(loaded)
        }
        try adoptDomainsOfStoredJobs()
        return .json(200, JSONWriter.object([("loaded", .number(loaded.jobs.count)), ("jobs", .number(try store.count()))]))
    }

    func snapshotsJSON(only name: String? = nil) throws -> String {
        let rows = try store.snapshots.all().filter { name == nil || $0.name == name }
        let items = rows.map { row in
            JSONValue.object([("name", .string(row.name)), ("clock", .string(row.clock.description)), ("jobs", .number(String(row.jobs)))])
                .jsonText
        }
        return name == nil ? JSONWriter.object([("snapshots", .array(items))]) : items.first ?? "{}"
    }

    static func checkSnapshotName(_ name: String) throws(APIError) {
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
