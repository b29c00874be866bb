import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// Every endpoint of the mock, one row each: method, path, access, handler. Adding an endpoint is
/// a row here and its handler; the 405s, `Allow`, the journal's domain, the fault rules' family and
/// the `openapi.yaml` check follow from the row. Within a path, rows are in the order `Allow` lists them.
extension CCKMApp {
    static let routes = RouteTable(cckm + auth + scheduler + system + admin)

    private static let cckm: [Endpoint] = [
        Endpoint("GET", "/api/v1/cckm/{family}", .cckm) { app, call in try app.cached(call) { try app.list(call) } },
        Endpoint("POST", "/api/v1/cckm/{family}", .cckm) { app, call in
            let request = try StartRequest.parse(body: call.body, family: call.family!)
            return app.later(call.request, status: 201) { finish in
                app.engine.start(family: call.family!, domain: call.domain, request: request, finish: finish)
            }
        },
        Endpoint("GET", "/api/v1/cckm/{family}/{id}", .cckm) { app, call in try app.cached(call) { try app.job(call) } },
        Endpoint("POST", "/api/v1/cckm/{family}/{id}/cancel", .cckm) { app, call in
            app.later(call.request, status: 200) { finish in
                app.engine.cancel(family: call.family!, domain: call.domain, id: call.id.lowercased(), finish: finish)
            }
        },
    ]

    private static let auth: [Endpoint] = [
        Endpoint("POST", "/api/v1/auth/tokens", .auth) { app, call in app.login(call) },
        Endpoint("POST", "/api/v1/auth/revoke", .auth) { app, call in
            try app.tokens.revoke(body: call.body)
            return .now(HTTPResponse(status: 204))
        },
    ]

    private static let scheduler: [Endpoint] = [
        Endpoint("GET", "/api/v1/scheduler/job-configs", .scheduler) { app, call in .now(try app.schedulerConfigs(call)) },
        Endpoint("POST", "/api/v1/scheduler/job-configs", .scheduler) { app, call in .now(try app.createSchedulerConfig(call)) },
        Endpoint("GET", "/api/v1/scheduler/job-configs/{id}", .scheduler) { app, call in .now(try app.schedulerConfig(call)) },
        Endpoint("PATCH", "/api/v1/scheduler/job-configs/{id}", .scheduler) { app, call in .now(try app.patchSchedulerConfig(call)) },
        Endpoint("DELETE", "/api/v1/scheduler/job-configs/{id}", .scheduler) { app, call in .now(try app.deleteSchedulerConfig(call)) },
        Endpoint("POST", "/api/v1/scheduler/job-configs/{id}/run-now", .scheduler) { app, call in .now(try app.runNow(call)) },
        Endpoint("GET", "/api/v1/scheduler/jobs", .scheduler) { app, call in .now(try app.schedulerRuns(call)) },
        Endpoint("GET", "/api/v1/scheduler/jobs/{id}", .scheduler) { app, call in .now(try app.schedulerRun(call)) },
        Endpoint("DELETE", "/api/v1/scheduler/jobs/{id}", .scheduler) { app, call in .now(try app.deleteSchedulerRun(call)) },
        Endpoint("GET", "/api/v1/scheduler/operations", .scheduler) { _, _ in .now(schedulerOperations()) },
    ]

    private static let system: [Endpoint] = [
        Endpoint("GET", "/api/v1/system/info", .scheduler) { app, _ in .now(SystemInfo.response(version: app.cmVersion)) }
    ]

    private static let admin: [Endpoint] = [
        Endpoint("GET", "/__admin/health", .adminOpen) { _, _ in .now(.json(200, #"{"status":"ok"}"#)) },
        Endpoint("GET", "/__admin/clock", .admin) { app, _ in .now(.json(200, app.clockJSON())) },
        Endpoint("POST", "/__admin/clock", .admin) { app, call in
            app.engine.planner.setTimeScale(try CCKMApp.timeScale(in: call.body))
            return .now(.json(200, app.clockJSON()))
        },
        Endpoint("POST", "/__admin/clock/advance", .admin) { app, call in
            let events = try app.engine.advance(seconds: try CCKMApp.seconds(in: call.body))
            return .now(.json(200, app.clockJSON(transitions: events.count)))
        },
        Endpoint("POST", "/__admin/jobs/settle", .admin) { app, _ in .now(.json(200, app.clockJSON(transitions: try app.engine.settle().count))) },
        Endpoint("POST", "/__admin/reset", .admin, query: ["to", "domain"]) { app, call in .now(try app.reset(call.query, items: call.request.query))
        },
        Endpoint("POST", "/__admin/fixtures", .admin, query: ["mode", "baseline"]) { app, call in
            .now(try app.loadFixture(call.body, call.query))
        },
        Endpoint("GET", "/__admin/domains", .admin) { app, _ in .now(app.domainsJSON()) },
        Endpoint("POST", "/__admin/tokens", .admin) { app, call in .now(.json(200, try app.tokens.adminToken(body: call.body))) },
        Endpoint("GET", "/__admin/ui", .adminOpen) { _, _ in .now(dashboard()) },
        Endpoint("GET", "/__admin/openapi.yaml", .adminOpen) { _, _ in .now(openAPI()) },
        Endpoint("GET", "/__admin/tls/cert.pem", .adminOpen) { app, _ in .now(try app.certificate()) },
        Endpoint("GET", "/__admin/jobs", .admin, query: ["skip", "limit", "sort", "id", "overall_status", "family", "domain", "target"]) {
            app, call in .now(try app.listJobs(call.request.query, call.query))
        },
        Endpoint("GET", "/__admin/jobs/{id}", .admin, query: ["family"]) { app, call in .now(try app.job(id: call.id, query: call.query)) },
        Endpoint("POST", "/__admin/jobs/{id}/complete", .admin, query: ["family"]) { app, call in
            .now(try app.force(id: call.id, query: call.query, body: call.body, fail: false))
        },
        Endpoint("POST", "/__admin/jobs/{id}/fail", .admin, query: ["family"]) { app, call in
            .now(try app.force(id: call.id, query: call.query, body: call.body, fail: true))
        },
        Endpoint("GET", "/__admin/jobs/{id}/wait", .admin, query: ["status", "timeout", "family"]) { app, call in
            try app.wait(id: call.id, query: call.query)
        },
        Endpoint("GET", "/__admin/faults", .admin) { app, _ in .now(app.faultsJSON()) },
        Endpoint("POST", "/__admin/faults", .admin) { app, call in .now(try app.addFault(call.body)) },
        Endpoint("DELETE", "/__admin/faults", .admin) { app, _ in
            app.faults.removeAll()
            return .now(HTTPResponse(status: 204))
        },
        Endpoint("GET", "/__admin/faults/{id}", .admin) { app, call in .now(try app.fault(call.id)) },
        Endpoint("DELETE", "/__admin/faults/{id}", .admin) { app, call in
            guard app.faults.remove(id: call.id) else { throw APIError.notFound("No fault \(call.id)") }
            return .now(HTTPResponse(status: 204))
        },
        Endpoint("GET", "/__admin/requests", .admin, query: ["method", "path", "status", "limit", "after"]) { app, call in
            .now(try app.requests(call.query))
        },
        Endpoint("DELETE", "/__admin/requests", .admin) { app, _ in
            app.journal.clear()
            return .now(HTTPResponse(status: 204))
        },
        Endpoint("GET", "/__admin/requests/count", .admin, query: ["method", "path", "status", "after"]) { app, call in
            .now(try app.requestCount(call.query))
        },
        Endpoint("POST", "/__admin/requests/count", .admin) { app, call in .now(try app.requestCount(matching: call.body)) },
        Endpoint("POST", "/__admin/requests/find", .admin) { app, call in .now(try app.findRequests(call.body)) },
        Endpoint("POST", "/__admin/requests/near-misses", .admin) { app, call in
            .now(.json(200, app.nearMisses(try RequestMatcher.parse(call.body))))
        },
        Endpoint("GET", "/__admin/events", .admin, query: ["job", "since", "after", "limit"]) { app, call in .now(try app.events(call.query)) },
        Endpoint("GET", "/__admin/snapshots", .admin) { app, _ in .now(.json(200, try app.snapshotsJSON())) },
        Endpoint("POST", "/__admin/snapshots/{name}", .admin) { app, call in
            try CCKMApp.checkSnapshotName(call.id)
            try app.engine.saveSnapshot(call.id)
            return .now(.json(201, try app.snapshotsJSON(only: call.id)))
        },
        Endpoint("DELETE", "/__admin/snapshots/{name}", .admin) { app, call in
            guard try app.engine.deleteSnapshot(call.id) else { throw APIError.notFound("No snapshot named \"\(call.id)\"") }
            return .now(HTTPResponse(status: 204))
        },
        Endpoint("POST", "/__admin/snapshots/{name}/restore", .admin) { app, call in
            try app.engine.restore(snapshot: call.id)
            try app.adoptDomainsOfStoredJobs()
            return .now(.json(200, app.clockJSON()))
        },
        Endpoint("GET", "/__admin/schedules", .admin) { app, _ in .now(.json(200, try app.schedulesJSON())) },
        Endpoint("GET", "/__admin/routes", .admin) { _, _ in .now(routesJSON()) },
    ]
}
