import CCKMCore
import CCKMEngine
import HTTPServer

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// WireMock's admin API over the stubs (`Stubs/StubRegistry.swift`), in the shapes its clients
/// read: mappings, scenarios, and the journal asked with WireMock's request patterns.
extension ControlHandlers {
    /// `GET /__admin/mappings`: newest first, `{"mappings": [...], "meta": {"total": n}}`.
    func mappingsJSON() -> HTTPResponse {
        let all = stubs.all
        return .json(
            200,
            JSONWriter.object([
                ("mappings", .array(all.map(\.document.jsonText))), ("meta", .rendered(JSONWriter.object([("total", .number(all.count))]))),
            ]))
    }

    /// A mapping read from a body; ids drawn from the seed when it has none.
    func parseMapping(_ value: JSONValue) throws -> StubMapping {
        let stub = try StubMapping.parse(value, id: { randomness.uuid() })
        // The control API answers before any stub is asked: a stub there would never answer, and
        // one that claims to is a mistake worth saying.
        if let text = stub.request.url.exactPath, text == "/__admin" || text.hasPrefix("/__admin/") {
            let name = if case .url = stub.request.url { "url" } else { "urlPath" }
            throw APIError.invalidParameter("request.\(name)", "the control API under /__admin answers before any stub; a stub cannot take it")
        }
        return stub
    }

    func addMapping(_ body: [UInt8]) throws -> HTTPResponse {
        let stub = try parseMapping(.object(try InputError.objectMembers(of: body)))
        stubs.add(stub)
        return .json(201, stub.document.jsonText)
    }

    func mapping(_ id: String) throws -> HTTPResponse {
        guard let stub = stubs.stub(id.lowercased()) else { throw APIError.notFound("No stub mapping \(id)") }
        return .json(200, stub.document.jsonText)
    }

    /// `PUT /__admin/mappings/{id}`: the mapping replaced whole, under the path's id.
    func replaceMapping(_ id: String, _ body: [UInt8]) throws -> HTTPResponse {
        var members = try InputError.objectMembers(of: body).filter { $0.key != "id" && $0.key != "uuid" }
        members.insert(("id", .string(id.lowercased())), at: 0)
        let stub = try parseMapping(.object(members))
        guard stubs.replace(stub.id, with: stub) else { throw APIError.notFound("No stub mapping \(id)") }
        return .json(200, stub.document.jsonText)
    }

    func deleteMapping(_ id: String) throws -> HTTPResponse {
        guard stubs.remove(id.lowercased()) else { throw APIError.notFound("No stub mapping \(id)") }
        return .json(200, "{}")
    }

    /// `POST /__admin/mappings/import`: `{"mappings": [...], "importOptions": {"duplicatePolicy":
    /// "OVERWRITE"|"IGNORE", "deleteAllNotInImport": bool}}`, whole or not at all.
    func importMappings(_ body: [UInt8]) throws -> HTTPResponse {
        let fields = JSONValue.object(try InputError.objectMembers(of: body))
        try fields.rejectUnknownMembers(known: ["mappings", "importOptions"])
        guard let items = fields["mappings"]?.arrayValue else { throw APIError.invalidParameter("mappings", "expected an array of stub mappings") }
        var overwrite = true
        var deleteOthers = false
        if let options = fields["importOptions"] {
            guard options.objectValue != nil else { throw APIError.invalidParameter("importOptions", "expected an object") }
            try options.rejectUnknownMembers(known: ["duplicatePolicy", "deleteAllNotInImport"])
            switch try options.optionalString("duplicatePolicy") ?? "OVERWRITE" {
            case "OVERWRITE": overwrite = true
            case "IGNORE": overwrite = false
            case let other: throw APIError.invalidParameter("importOptions.duplicatePolicy", "\"\(other)\" is not OVERWRITE or IGNORE")
            }
            if let flag = options["deleteAllNotInImport"] {
                guard case .bool(let set) = flag else { throw APIError.invalidParameter("importOptions.deleteAllNotInImport", "expected a boolean") }
                deleteOthers = set
            }
        }
        var parsed: [StubMapping] = []
        for (index, item) in items.enumerated() {
            do {
                parsed.append(try parseMapping(item))
            } catch let error as InputError {
                throw APIError.invalidParameter("mappings[\(index)]", error.description)
            }
        }
        if deleteOthers { stubs.removeAll() }
        for stub in parsed where overwrite || stubs.stub(stub.id) == nil { stubs.add(stub) }
        return .json(200, "{}")
    }

    /// `GET /__admin/scenarios`.
    func scenariosJSON() -> HTTPResponse {
        let items = stubs.scenarios.map { scenario in
            JSONWriter.object([
                ("id", .string(scenario.name)), ("name", .string(scenario.name)), ("state", .string(scenario.state)),
                ("possibleStates", .array(scenario.possible.map { JSONValue.string($0).jsonText })),
            ])
        }
        return .json(200, JSONWriter.object([("scenarios", .array(items))]))
    }

    /// `PUT /__admin/scenarios/{name}/state` with `{"state": "..."}`.
    func setScenario(_ name: String, _ body: [UInt8]) throws -> HTTPResponse {
        let fields = JSONValue.object(try InputError.objectMembers(of: body))
        try fields.rejectUnknownMembers(known: ["state"])
        guard let state = try fields.optionalString("state"), !state.isEmpty else {
            throw APIError.invalidParameter("state", "the state to set is required")
        }
        guard stubs.setScenario(name, to: state) else { throw APIError.notFound("No stub names the scenario \(name)") }
        return .json(200, "{}")
    }

    /// The journaled requests a WireMock request pattern matches.
    func entries(matching pattern: StubRequestPattern) -> [JournalEntry] {
        journal.entries(matching: JournalFilter()).filter { entry in
            let view = StubRequestView(
                method: entry.method, path: entry.path, query: entry.query, headers: entry.headers.fields.map { ($0.name, $0.value) },
                body: Array(entry.body.utf8))
            return view.matches(pattern)
        }
    }

    /// `GET /__admin/requests/unmatched`: what neither a stub nor a route took.
    func unmatchedJSON() -> HTTPResponse {
        let unmatched = journal.entries(matching: JournalFilter()).filter(\.unmatched)
        return .json(200, JSONWriter.object([("requests", .array(unmatched.map(\.loggedRequest)))]))
    }

    /// `GET /__admin/requests/unmatched/near-misses`: for each unmatched request, the nearest stub.
    func unmatchedNearMissesJSON() -> HTTPResponse {
        var misses: [String] = []
        for entry in journal.entries(matching: JournalFilter()).filter(\.unmatched) {
            var request = HTTPRequest(method: entry.method, path: entry.path)
            request.query = entry.query
            request.body = Array(entry.body.utf8)
            for field in entry.headers.fields { request.headers.add(name: field.name, value: field.value) }
            for (stub, distance) in stubs.nearest(request, limit: 1) {
                misses.append(
                    JSONWriter.object([
                        ("request", .rendered(entry.loggedRequest)), ("stubMapping", .rendered(stub.document.jsonText)),
                        ("matchResult", .rendered(JSONWriter.object([("distance", .rendered(jsonNumber(distance)))]))),
                    ]))
            }
        }
        return .json(200, JSONWriter.object([("nearMisses", .array(misses))]))
    }
}

extension StubRequestPattern.URLRule {
    /// The path an exact rule names (a `url`'s without its query).
    var exactPath: String? {
        switch self {
        case .url(let url): String(url.prefix { $0 != "?" })
        case .urlPath(let path): path
        default: nil
        }
    }
}

extension JournalEntry {
    /// The entry as WireMock's `LoggedRequest`.
    var loggedRequest: String {
        let url = StubRequestView(method: method, path: path, query: query, headers: [], body: []).url
        var parameters: [(String, JSONPart)] = []
        for name in query.map(\.name).uniqued() {
            let values = query.filter { $0.name == name }.map { JSONValue.string($0.value ?? "").jsonText }
            parameters.append((name, .rendered(JSONWriter.object([("key", .string(name)), ("values", .array(values))]))))
        }
        let fields = JSONValue.object(headers.fields.map { ($0.name, .string($0.value)) }).jsonText
        return JSONWriter.object([
            ("url", .string(url)), ("absoluteUrl", .string("http://localhost" + url)), ("method", .string(method)), ("headers", .rendered(fields)),
            ("queryParameters", .rendered(JSONWriter.object(parameters))), ("body", .string(body)),
            ("loggedDate", .number(Int(at.nanoseconds / 1_000_000))), ("loggedDateString", .string(at.description)),
            ("stubMapping", stub.map(JSONPart.string) ?? .null),
        ])
    }
}
