import HTTPServer

/// `/api/v1/scheduler/job-configs`: CM's scheduler job configurations, with the CCKM paths' login
/// and domains. Only `operation: "cckm_synchronization"`; runs happen on the simulator's clock.
extension CCKMApp {
    func scheduler(_ route: Route, method: String, request: HTTPRequest, domain: String) throws -> HTTPResponse {
        let now = simulator.clock.now()
        switch (route, method) {
        case (.schedulerConfigs, "POST"):
            let config = try SchedulerConfig(fields: try Self.members(request.body))
            let document = try store.insertSchedulerConfig(id: randomness.uuid(), domain: domain, config: config, at: now)
            return .json(201, document)
        case (.schedulerConfigs, _):
            let query = AdminQuery(request.query)
            try query.rejectUnknown(["skip", "limit", "name", "operation"])
            let skip = try query.number("skip", in: 0...1_000_000_000) ?? 0
            let limit = try query.number("limit", in: -1...1_000_000_000) ?? 10
            let page = try store.schedulerConfigs(
                domain: domain, name: query["name"], operation: query["operation"], skip: skip, limit: limit < 0 ? Int.max : limit)
            return .json(200, CCKMApp.listEnvelope(skip: skip, limit: limit, total: page.total, resources: page.documents))
        case (.schedulerConfig(let id), "GET"):
            guard let stored = try store.schedulerConfig(id: id, domain: domain) else { throw APIError.notFound() }
            return .json(200, stored.document)
        case (.schedulerConfig(let id), "PATCH"):
            let patch = try Self.members(request.body)
            guard let document = try store.updateSchedulerConfig(id: id, domain: domain, { try $0.patched(with: patch) }, at: now) else {
                throw APIError.notFound()
            }
            return .json(200, document)
        case (.schedulerConfig(let id), _):
            guard try store.deleteSchedulerConfig(id: id, domain: domain) else { throw APIError.notFound() }
            return HTTPResponse(status: 204)
        default:
            throw APIError.notFound()
        }
    }

    /// The members of a JSON object body, in order.
    private static func members(_ body: [UInt8]) throws(APIError) -> [(key: String, value: JSONValue)] {
        guard let document = try? JSONParser.parse(body), let members = document.objectValue else {
            throw .badRequest(body.isEmpty ? "Request body is empty; expected a JSON object" : "Request body must be a JSON object")
        }
        return members
    }
}
