import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// `/api/v1/scheduler/...`: CM's scheduler job configurations, their job runs, run-now and the
/// operations, with the CCKM paths' login and domains. Runs happen on the engine's clock.
package final class SchedulerHandlers: Sendable {
    let store: StoreReader
    let engine: Engine

    package init(store: StoreReader, engine: Engine) {
        self.store = store
        self.engine = engine
    }
}

extension SchedulerHandlers {
    func createSchedulerConfig(_ call: Call) throws -> HTTPResponse {
        let config = try SchedulerConfig(fields: try InputError.objectMembers(of: call.body))
        return .json(201, try engine.createSchedulerConfig(domain: call.domain, config: config))
    }

    func schedulerConfig(_ call: Call) throws -> HTTPResponse {
        guard let stored = try store.scheduler.schedulerConfig(id: call.id.lowercased(), domain: call.domain) else { throw APIError.notFound() }
        return .json(200, stored.document)
    }

    func patchSchedulerConfig(_ call: Call) throws -> HTTPResponse {
        let patch = try InputError.objectMembers(of: call.body)
        guard let document = try engine.patchSchedulerConfig(id: call.id.lowercased(), domain: call.domain, with: patch) else {
            throw APIError.notFound()
        }
        return .json(200, document)
    }

    func deleteSchedulerConfig(_ call: Call) throws -> HTTPResponse {
        guard try engine.deleteSchedulerConfig(id: call.id.lowercased(), domain: call.domain) else { throw APIError.notFound() }
        return HTTPResponse(status: 204)
    }

    func runNow(_ call: Call) throws -> HTTPResponse {
        guard let run = try engine.runNow(configID: call.id.lowercased(), domain: call.domain) else { throw APIError.notFound() }
        return .json(201, run.document)
    }

    func schedulerRuns(_ call: Call) throws -> HTTPResponse {
        let query = try Self.runQuery(call.query)
        let page = try store.scheduler.schedulerRuns(domain: call.domain, query: query)
        return .json(
            200,
            JobHandlers.listEnvelope(
                skip: query.skip, limit: query.limit == Int.max ? -1 : query.limit, total: page.total, resources: page.runs.map(\.document)))
    }

    func schedulerRun(_ call: Call) throws -> HTTPResponse {
        guard let run = try store.scheduler.schedulerRun(id: call.id.lowercased(), domain: call.domain) else { throw APIError.notFound() }
        return .json(200, run.document)
    }

    func deleteSchedulerRun(_ call: Call) throws -> HTTPResponse {
        guard try engine.deleteSchedulerRun(id: call.id.lowercased(), domain: call.domain) else { throw APIError.notFound() }
        return HTTPResponse(status: 204)
    }

    static func schedulerOperations() -> HTTPResponse {
        let operations = SchedulerOperation.all.map(\.json.jsonText)
        return .json(200, JobHandlers.listEnvelope(skip: 0, limit: operations.count, total: operations.count, resources: operations))
    }

    /// A page of configurations; `limit=-1` is all of them.
    func schedulerConfigs(_ call: Call) throws -> HTTPResponse {
        let (query, domain) = (call.query, call.domain)
        try query.rejectUnknown(["skip", "limit", "name", "id", "operation", "disabled"])
        let (skip, limit) = try Self.page(query)
        var disabled: Bool?
        if let text = query["disabled"] {
            guard let flag = Bool(text) else { throw APIError.invalidParameter("disabled", "\"\(text)\" is not one of true, false") }
            disabled = flag
        }
        let page = try store.scheduler.schedulerConfigs(
            domain: domain, filter: .init(name: query["name"], id: query["id"]?.lowercased(), operation: query["operation"], disabled: disabled),
            skip: skip,
            limit: limit < 0 ? Int.max : limit)
        return .json(200, JobHandlers.listEnvelope(skip: skip, limit: limit, total: page.total, resources: page.documents))
    }

    private static func page(_ query: QueryValues) throws(InputError) -> (skip: Int, limit: Int) {
        (try query.number("skip", in: 0...1_000_000_000) ?? 0, try query.number("limit", in: -1...1_000_000_000) ?? 10)
    }

    /// `GET /api/v1/scheduler/jobs`'s query: filters `id`, `job_config_id`, `job_status`,
    /// `operation`, `name`; `sort` by comma-separated fields, `-` for descending.
    static func runQuery(_ query: QueryValues) throws(InputError) -> SchedulerRunQuery {
        try query.rejectUnknown(["skip", "limit", "sort", "id", "job_config_id", "job_status", "operation", "name"])
        var runs = SchedulerRunQuery(
            id: query["id"]?.lowercased(), configID: query["job_config_id"]?.lowercased(), operation: query["operation"], name: query["name"])
        if let status = query["job_status"] {
            guard SchedulerRun.statuses.contains(status) else {
                throw .invalidParameter("job_status", "\"\(status)\" is not one of \(SchedulerRun.statuses.joined(separator: ", "))")
            }
            runs.status = status
        }
        if let sort = query["sort"] {
            runs.sort = try sort.split(separator: ",", omittingEmptySubsequences: false).map { field throws(InputError) in
                let descending = field.hasPrefix("-")
                let name = String(descending ? field.dropFirst() : field)
                guard let column = SchedulerRun.sortFields[name] else {
                    throw .invalidParameter("sort", "\"\(name)\" is not one of \(SchedulerRun.sortFields.keys.sorted().joined(separator: ", "))")
                }
                return (column, descending)
            }
        }
        let (skip, limit) = try page(query)
        runs.skip = skip
        runs.limit = limit < 0 ? Int.max : limit
        return runs
    }
}
