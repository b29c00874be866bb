import HTTPServer

/// The control API under `/__admin`: what tests and demos use to steer and inspect the mock.
/// Open unless `--admin-token` is set (then `checkAdminToken` asks for it); never journaled, never
/// faulted; a browser's call from another origin is refused (`HostPolicy`).
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
            engine.planner.setTimeScale(try Self.timeScale(in: request.body))
            return .now(.json(200, clockJSON()))
        case (.domains, _):
            let domains = [Job.rootDomain] + tokens.currentAccounts.domains
            return .now(.json(200, JSONWriter.object([("domains", .array(domains.map { JSONValue.string($0).jsonText }))])))
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
            let events = try engine.advance(seconds: try Self.seconds(in: request.body))
            return .now(.json(200, clockJSON(transitions: events.count)))
        case (.settle, _):
            return .now(.json(200, clockJSON(transitions: try engine.settle().count)))
        case (.reset, _):
            return .now(try reset(query, items: request.query))
        case (.fixtures, _):
            return .now(try loadFixture(request.body, mode: query["mode"] ?? "merge"))
        case (.jobs, _):
            return .now(try listJobs(request.query, query))
        case (.jobComplete(let id), _), (.jobFail(let id), _):
            return .now(try force(id: id, query: query, body: request.body, fail: route == .jobFail(id: id)))
        case (.jobWait(let id), _):
            return try wait(id: id, query: query)
        case (.faults, "GET"):
            return .now(.json(200, JSONWriter.object([("faults", .array(faults.all.map(\.json)))])))
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
            // Paged by default: an unpaged listing of a full journal built a 560 MB answer.
            let limit = try query.number("limit", in: 0...RequestJournal.maxShown) ?? RequestJournal.defaultShown
            // With `after`, a page forward from that entry; without, the last `limit` entries.
            let shown = filter.after == nil ? entries.suffix(limit) : entries.prefix(limit)
            let next = filter.after != nil && shown.count < entries.count ? shown.last.map { JSONPart.string(String($0.sequence)) } : nil
            return .now(
                .json(
                    200,
                    JSONWriter.object([("total", .number(entries.count)), ("requests", .array(shown.map(\.json))), ("next", next ?? .null)])))
        case (.requests, _):
            journal.clear()
            return .now(HTTPResponse(status: 204))
        case (.requestsCount, "POST"):
            let matcher = try RequestMatcher.parse(request.body)
            return .now(.json(200, JSONWriter.object([("count", .number(journal.entries(matching: JournalFilter()).filter(matcher.matches).count))])))
        case (.requestsFind, _):
            let matcher = try RequestMatcher.parse(request.body)
            let found = journal.entries(matching: JournalFilter()).filter(matcher.matches)
            return .now(.json(200, JSONWriter.object([("requests", .array(found.map(\.json)))])))
        case (.requestsNearMisses, _):
            return .now(.json(200, nearMisses(try RequestMatcher.parse(request.body))))
        case (.requestsCount, _):
            try query.rejectUnknown(["method", "path", "status", "after"])
            return .now(.json(200, JSONWriter.object([("count", .number(journal.entries(matching: try JournalFilter(query)).count))])))
        case (.events, _):
            return .now(try events(query))
        case (.schedules, _):
            return .now(.json(200, try schedulesJSON()))
        case (.snapshots, _):
            return .now(.json(200, try snapshotsJSON()))
        case (.snapshot(let name), "POST"):
            try Self.checkSnapshotName(name)
            try engine.saveSnapshot(name)
            return .now(.json(201, try snapshotsJSON(only: name)))
        case (.snapshot(let name), _):
            guard try engine.deleteSnapshot(name) else { throw APIError.notFound("No snapshot named \"\(name)\"") }
            return .now(HTTPResponse(status: 204))
        case (.snapshotRestore(let name), _):
            try engine.restore(snapshot: name)
            try adoptDomainsOfStoredJobs()
            return .now(.json(200, clockJSON()))
        }
    }
}
