import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// Every endpoint of the mock, one row each: method, path, access, handler. Adding an endpoint is
/// a row here and its handler; the 405s, `Allow`, the journal's domain, the fault rules' family and
/// the `openapi.yaml` check follow from the row. Within a path, rows are in the order `Allow` lists them.
extension CCKMApp {
    static let routes = RouteTable(cckm + auth + scheduler + inventory + system + control)

    private static let cckm: [Endpoint] = [
        Endpoint("GET", "/api/v1/cckm/{family}", .cckm, \.jobs) { jobs, call in try jobs.cached(call) { try jobs.list(call) } },
        Endpoint("POST", "/api/v1/cckm/{family}", .cckm, \.jobs) { jobs, call in try jobs.start(call) },
        Endpoint("GET", "/api/v1/cckm/{family}/{id}", .cckm, \.jobs) { jobs, call in try jobs.cached(call) { try jobs.job(call) } },
        Endpoint("POST", "/api/v1/cckm/{family}/{id}/cancel", .cckm, \.jobs) { jobs, call in jobs.cancel(call) },
    ]

    private static let auth: [Endpoint] = [
        Endpoint("POST", "/api/v1/auth/tokens", .auth, \.auth) { auth, call in auth.login(call) },
        Endpoint("POST", "/api/v1/auth/revoke", .auth, \.auth) { auth, call in try auth.revoke(call) },
    ]

    private static let scheduler: [Endpoint] = [
        Endpoint("GET", "/api/v1/scheduler/job-configs", .resource, \.scheduler) { scheduler, call in .now(try scheduler.schedulerConfigs(call)) },
        Endpoint("POST", "/api/v1/scheduler/job-configs", .resource, \.scheduler) { scheduler, call in
            .now(try scheduler.createSchedulerConfig(call))
        },
        Endpoint("GET", "/api/v1/scheduler/job-configs/{id}", .resource, \.scheduler) { scheduler, call in .now(try scheduler.schedulerConfig(call))
        },
        Endpoint("PATCH", "/api/v1/scheduler/job-configs/{id}", .resource, \.scheduler) { scheduler, call in
            .now(try scheduler.patchSchedulerConfig(call))
        },
        Endpoint("DELETE", "/api/v1/scheduler/job-configs/{id}", .resource, \.scheduler) { scheduler, call in
            .now(try scheduler.deleteSchedulerConfig(call))
        },
        Endpoint("POST", "/api/v1/scheduler/job-configs/{id}/run-now", .resource, \.scheduler) { scheduler, call in .now(try scheduler.runNow(call))
        },
        Endpoint("GET", "/api/v1/scheduler/jobs", .resource, \.scheduler) { scheduler, call in .now(try scheduler.schedulerRuns(call)) },
        Endpoint("GET", "/api/v1/scheduler/jobs/{id}", .resource, \.scheduler) { scheduler, call in .now(try scheduler.schedulerRun(call)) },
        Endpoint("DELETE", "/api/v1/scheduler/jobs/{id}", .resource, \.scheduler) { scheduler, call in .now(try scheduler.deleteSchedulerRun(call))
        },
        Endpoint("GET", "/api/v1/scheduler/operations", .resource, \.scheduler) { _, _ in .now(SchedulerHandlers.schedulerOperations()) },
    ]

    private static let inventory: [Endpoint] =
        [
            Endpoint("POST", "/api/v1/cckm/aws/accounts", .resource, \.inventory) { inventory, call in .now(try inventory.accountDetails(call)) },
            Endpoint("GET", "/api/v1/cckm/aws/kms", .resource, \.inventory) { inventory, call in .now(try inventory.kmsList(call)) },
            Endpoint("POST", "/api/v1/cckm/aws/kms", .resource, \.inventory) { inventory, call in .now(try inventory.createKMS(call)) },
            Endpoint("GET", "/api/v1/cckm/aws/kms/{id}", .resource, \.inventory) { inventory, call in .now(try inventory.kms(call)) },
            Endpoint("DELETE", "/api/v1/cckm/aws/kms/{id}", .resource, \.inventory) { inventory, call in
                .now(try inventory.delete(call, kind: .awsKMS))
            },
            Endpoint("GET", "/api/v1/connectionmgmt/services/aws/connections", .resource, \.inventory) { inventory, call in
                .now(try inventory.connections(call))
            },
            Endpoint("POST", "/api/v1/connectionmgmt/services/aws/connections", .resource, \.inventory) { inventory, call in
                .now(try inventory.createConnection(call))
            },
            Endpoint("GET", "/api/v1/connectionmgmt/services/aws/connections/{id}", .resource, \.inventory) { inventory, call in
                .now(try inventory.connection(call))
            },
            Endpoint("DELETE", "/api/v1/connectionmgmt/services/aws/connections/{id}", .resource, \.inventory) { inventory, call in
                .now(try inventory.delete(call, kind: .awsConnection))
            },
        ]
        + CloudKey.Cloud.allCases.flatMap { cloud in
            [
                Endpoint("GET", "/api/v1/cckm/" + cloud.path, .resource, \.inventory) { inventory, call in
                    .now(try inventory.keys(call, cloud: cloud))
                },
                Endpoint("GET", "/api/v1/cckm/\(cloud.path)/{id}", .resource, \.inventory) { inventory, call in
                    .now(try inventory.key(call, cloud: cloud))
                },
            ]
        }
        + [
            Endpoint("GET", "/api/v1/cckm/oci/keys/{id}/versions", .resource, \.inventory) { inventory, call in
                .now(try inventory.ociKeyVersions(call))
            }
        ]
        + containers(
            .azure, collection: "azure/vaults", add: "azure/add-vaults",
            filters: [("name", "name"), ("id", "id"), ("subscription_id", "subscription_id"), ("location", "location"), ("azure_name", "azure_name")])
        + containers(
            .google, collection: "google/key-rings", add: "google/add-key-rings",
            filters: [("name", "name"), ("id", "id"), ("project_id", "project_id")])
        + containers(
            .oci, collection: "oci/vaults", add: "oci/add-vaults",
            filters: [("name", "display_name"), ("display_name", "display_name"), ("id", "id"), ("vault_id", "vault_id"), ("region", "region")])
        + InventoryCollections.empty.map { path in
            Endpoint("GET", "/api/v1/cckm/" + path, .resource, \.inventory) { _, call in .now(try InventoryHandlers.emptyList(call)) }
        }

    /// A cloud's containers: their list (by `filters`, query parameter to document member), one by
    /// CM id or name, and the call that adds them.
    private static func containers(_ cloud: CloudKey.Cloud, collection: String, add: String, filters: [(String, String)]) -> [Endpoint] {
        let kind = InventoryTable.ResourceKind.container(of: cloud)
        return [
            Endpoint("GET", "/api/v1/cckm/" + collection, .resource, \.inventory) { inventory, call in
                .now(try inventory.containers(call, kind: kind, filters: filters))
            },
            Endpoint("GET", "/api/v1/cckm/\(collection)/{id}", .resource, \.inventory) { inventory, call in
                .now(try inventory.container(call, kind: kind))
            },
            Endpoint("POST", "/api/v1/cckm/" + add, .resource, \.inventory) { inventory, call in .now(try inventory.addContainers(call, cloud: cloud))
            },
        ]
    }

    private static let system: [Endpoint] = [
        Endpoint("GET", "/api/v1/system/info", .resource, \.edge.cmVersion) { version, _ in .now(SystemInfo.response(version: version)) }
    ]

    private static let control: [Endpoint] =
        [
            Endpoint("GET", "/__admin/health", .controlOpen, \.dashboard) { _, _ in .now(.json(200, #"{"status":"ok"}"#)) },
            Endpoint("GET", "/__admin/clock", .control, \.control) { control, _ in .now(.json(200, control.clockJSON())) },
            Endpoint("POST", "/__admin/clock", .control, \.control) { control, call in
                control.engine.setTimeScale(try ControlHandlers.timeScale(in: call.body))
                return .now(.json(200, control.clockJSON()))
            },
            Endpoint("POST", "/__admin/clock/advance", .control, \.control) { control, call in
                let events = try control.engine.advance(seconds: try ControlHandlers.seconds(in: call.body))
                return .now(.json(200, control.clockJSON(transitions: events.count)))
            },
            Endpoint("POST", "/__admin/jobs/settle", .control, \.control) { control, _ in
                .now(.json(200, control.clockJSON(transitions: try control.engine.settle().count)))
            },
            Endpoint("POST", "/__admin/reset", .control, query: ["to", "domain", "clock"], \.control) { control, call in
                .now(try control.reset(call.query, items: call.request.query))
            },
            Endpoint("POST", "/__admin/fixtures", .control, query: ["mode", "baseline"], \.control) { control, call in
                .now(try control.loadFixture(call.body, call.query))
            },
            Endpoint("GET", "/__admin/domains", .control, \.control) { control, _ in .now(control.domainsJSON()) },
            Endpoint("POST", "/__admin/tokens", .control, \.control) { control, call in
                .now(.json(200, try control.tokens.controlAPIToken(body: call.body)))
            },
            Endpoint("GET", "/__admin/ui", .controlOpen, query: ["tenant"], \.self) { app, _ in .now(try app.dashboardPage()) },
            Endpoint("GET", "/__admin/openapi.yaml", .controlOpen, \.dashboard) { _, _ in .now(DashboardHandlers.openAPI()) },
            Endpoint("GET", "/__admin/tls/cert.pem", .controlOpen, \.dashboard) { dashboard, _ in .now(try dashboard.certificate()) },
            Endpoint(
                "GET", "/__admin/jobs", .control, query: ["skip", "limit", "sort", "id", "overall_status", "family", "domain", "target"], \.control
            ) { control, call in .now(try control.listJobs(call.request.query, call.query)) },
            Endpoint("GET", "/__admin/jobs/{id}", .control, query: ["family"], \.control) { control, call in
                .now(try control.job(id: call.id, query: call.query))
            },
            Endpoint("POST", "/__admin/jobs/{id}/complete", .control, query: ["family"], \.control) { control, call in
                .now(try control.force(id: call.id, query: call.query, body: call.body, fail: false))
            },
            Endpoint("POST", "/__admin/jobs/{id}/fail", .control, query: ["family"], \.control) { control, call in
                .now(try control.force(id: call.id, query: call.query, body: call.body, fail: true))
            },
            Endpoint("GET", "/__admin/jobs/{id}/wait", .control, query: ["status", "timeout", "family"], \.control) { control, call in
                try control.wait(id: call.id, query: call.query, call.context)
            },
            Endpoint("GET", "/__admin/faults", .control, \.control) { control, _ in .now(control.faultsJSON()) },
            Endpoint("POST", "/__admin/faults", .control, \.control) { control, call in .now(try control.addFault(call.body)) },
            Endpoint("DELETE", "/__admin/faults", .control, \.control) { control, _ in
                control.faults.removeAll()
                return .now(HTTPResponse(status: 204))
            },
            Endpoint("GET", "/__admin/faults/{id}", .control, \.control) { control, call in .now(try control.fault(call.id)) },
            Endpoint("DELETE", "/__admin/faults/{id}", .control, \.control) { control, call in
                guard control.faults.remove(id: call.id) else { throw APIError.notFound("No fault \(call.id)") }
                return .now(HTTPResponse(status: 204))
            },
            Endpoint("GET", "/__admin/requests", .control, query: ["method", "path", "status", "limit", "after", "since"], \.control) {
                control, call in
                .now(try control.requests(call.query))
            },
            Endpoint("DELETE", "/__admin/requests", .control, \.control) { control, _ in
                control.journal.clear()
                return .now(HTTPResponse(status: 204))
            },
            Endpoint("GET", "/__admin/requests/count", .control, query: ["method", "path", "status", "after"], \.control) { control, call in
                .now(try control.requestCount(call.query))
            },
            Endpoint("POST", "/__admin/requests/count", .control, \.control) { control, call in .now(try control.requestCount(matching: call.body)) },
            Endpoint("POST", "/__admin/requests/find", .control, \.control) { control, call in .now(try control.findRequests(call.body)) },
            Endpoint("POST", "/__admin/requests/near-misses", .control, \.control) { control, call in
                .now(.json(200, control.nearMisses(try RequestMatcher.parse(call.body))))
            },
            Endpoint("GET", "/__admin/events", .control, query: ["job", "since", "after", "limit"], \.control) { control, call in
                .now(try control.events(call.query))
            },
            Endpoint("GET", "/__admin/snapshots", .control, \.control) { control, _ in .now(.json(200, try control.snapshotsJSON())) },
            Endpoint("POST", "/__admin/snapshots/{name}", .control, \.control) { control, call in
                try ControlHandlers.checkSnapshotName(call.id)
                try control.engine.saveSnapshot(call.id)
                return .now(.json(201, try control.snapshotsJSON(only: call.id)))
            },
            Endpoint("DELETE", "/__admin/snapshots/{name}", .control, \.control) { control, call in
                guard try control.engine.deleteSnapshot(call.id) else { throw APIError.notFound("No snapshot named \"\(call.id)\"") }
                return .now(HTTPResponse(status: 204))
            },
            Endpoint("POST", "/__admin/snapshots/{name}/restore", .control, \.control) { control, call in
                try control.engine.restore(snapshot: call.id)
                try control.adoptDomainsOfStoredJobs()
                return .now(.json(200, control.clockJSON()))
            },
            Endpoint("GET", "/__admin/schedules", .control, \.control) { control, _ in .now(.json(200, try control.schedulesJSON())) },
            Endpoint("GET", "/__admin/routes", .control, \.control) { _, _ in .now(ControlHandlers.routesJSON()) },
            Endpoint("GET", "/__admin/mappings", .control, \.control) { control, _ in .now(control.mappingsJSON()) },
            Endpoint("POST", "/__admin/mappings", .control, \.control) { control, call in .now(try control.addMapping(call.body)) },
            Endpoint("DELETE", "/__admin/mappings", .control, \.control) { control, _ in
                control.stubs.removeAll()
                return .now(.json(200, "{}"))
            },
            Endpoint("GET", "/__admin/mappings/{id}", .control, \.control) { control, call in .now(try control.mapping(call.id)) },
            Endpoint("PUT", "/__admin/mappings/{id}", .control, \.control) { control, call in .now(try control.replaceMapping(call.id, call.body)) },
            Endpoint("DELETE", "/__admin/mappings/{id}", .control, \.control) { control, call in .now(try control.deleteMapping(call.id)) },
            Endpoint("POST", "/__admin/mappings/reset", .control, \.control) { control, _ in
                control.stubs.reset()
                return .now(.json(200, "{}"))
            },
            Endpoint("POST", "/__admin/mappings/import", .control, \.control) { control, call in .now(try control.importMappings(call.body)) },
            Endpoint("GET", "/__admin/scenarios", .control, \.control) { control, _ in .now(control.scenariosJSON()) },
            Endpoint("POST", "/__admin/scenarios/reset", .control, \.control) { control, _ in
                control.stubs.resetScenarios()
                return .now(.json(200, "{}"))
            },
            Endpoint("PUT", "/__admin/scenarios/{name}/state", .control, \.control) { control, call in
                .now(try control.setScenario(call.id, call.body))
            },
            Endpoint("GET", "/__admin/requests/unmatched", .control, \.control) { control, _ in .now(control.unmatchedJSON()) },
            Endpoint("GET", "/__admin/requests/unmatched/near-misses", .control, \.control) { control, _ in .now(control.unmatchedNearMissesJSON()) },
            Endpoint("GET", "/__admin/cloud", .control, \.control) { control, _ in .now(try control.cloudJSON()) },
            Endpoint("GET", "/__admin/keys", .control, query: ["domain", "limit"], \.control) { control, call in
                .now(try control.inventoryKeys(call.query))
            },
        ]
        + CloudKey.Cloud.allCases.flatMap { cloud in
            [
                Endpoint("POST", "/__admin/cloud/" + cloud.path, .control, \.control) { control, call in
                    .now(try control.addCloudKey(cloud, call.body))
                },
                Endpoint("PATCH", "/__admin/cloud/\(cloud.path)/{id}", .control, \.control) { control, call in
                    .now(try control.changeCloudKey(cloud, call.id, call.body))
                },
                Endpoint("DELETE", "/__admin/cloud/\(cloud.path)/{id}", .control, \.control) { control, call in
                    .now(try control.deleteCloudKey(cloud, call.id))
                },
            ]
        }
}
