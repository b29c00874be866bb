import CCKMCore

/// One request `conform` sends to both sides: its name in reports is the method and path
/// template; what it needs (a token, a job id of the side's own) and how it may touch a lab CM.
package struct ConformProbe: Sendable, Equatable {
    package enum Tier: String, Sendable, Comparable {
        /// GETs and logins: the default.
        case read
        /// Requests of other methods meant to leave nothing behind (`--allow-writes`).
        case write

        package static func < (a: Tier, b: Tier) -> Bool { a == .read && b == .write }
    }

    package enum Token: Sendable, Equatable {
        case bearer
        case none
    }

    /// `GET /api/v1/cckm/aws/synchronization-jobs?limit=1`, as reports name it.
    package var name: String
    /// The family it belongs to in the text report (`auth`, `scheduler`, `system` for the others).
    package var group: String
    package var method: String
    /// The path and query sent; `{id}` becomes the first id of the side's own list of `idFrom`.
    package var path: String
    package var body: String?
    package var token: Token = .bearer
    package var tier: Tier = .read
    /// The list whose first job's id fills `{id}`.
    package var idFrom: String?
    /// A list page: its `skip`, `limit` and item count are checked (`paging`).
    package var isList = false

    /// Every probe of a run, in report order.
    package static func all(tier: Tier, names: String) -> [ConformProbe] {
        var probes: [ConformProbe] = []
        for family in JobFamily.all {
            let base = "/api/v1/cckm/" + family.basePath
            let group = family.name
            func get(_ suffix: String, list: Bool = false, token: Token = .bearer, idFrom: String? = nil) -> ConformProbe {
                ConformProbe(
                    name: "GET " + base + suffix, group: group, method: "GET", path: base + suffix, token: token,
                    idFrom: idFrom, isList: list)
            }
            probes += [
                get("", list: true), get("?limit=1", list: true), get("?limit=-1", list: true),
                get("?overall_status=completed", list: true), get("?sort=-createdAt", list: true),
                get("/{id}", idFrom: base), get("/00000000-0000-4000-8000-00000000c0f0"), get("?limit=abc"),
                get("", token: .none),
            ]
            if tier >= .write {
                probes += [
                    ConformProbe(name: "DELETE " + base, group: group, method: "DELETE", path: base, tier: .write),
                    ConformProbe(
                        name: "POST " + base + "/{unknown}/cancel", group: group, method: "POST",
                        path: base + "/00000000-0000-4000-8000-00000000c0f0/cancel", tier: .write),
                    ConformProbe(name: "POST " + base + " {}", group: group, method: "POST", path: base, body: "{}", tier: .write),
                ]
            }
        }
        let scheduler = "/api/v1/scheduler"
        for path in [scheduler + "/job-configs", scheduler + "/jobs", scheduler + "/operations"] {
            probes.append(ConformProbe(name: "GET " + path, group: "scheduler", method: "GET", path: path, isList: true))
        }
        if tier >= .write {
            // Disabled, so it never runs, and deleted again by the run (`Conformance.cleanUp`).
            let body = """
                {"name":"\(names)","operation":"database_backup","run_on":"any","run_at":"0 0 1 1 *","disabled":true,\
                "description":"created and deleted by cckm-mock conform"}
                """
            probes.append(
                ConformProbe(
                    name: "POST \(scheduler)/job-configs", group: "scheduler", method: "POST", path: scheduler + "/job-configs", body: body,
                    tier: .write))
        }
        // CM's inventory around a sync: the keys syncs brought, the prerequisites and containers, the
        // collections the mock answers empty.
        let keys = "/api/v1/cckm/aws/keys"
        func inventory(_ path: String, list: Bool = true, idFrom: String? = nil) -> ConformProbe {
            ConformProbe(name: "GET " + path, group: "inventory", method: "GET", path: path, idFrom: idFrom, isList: list)
        }
        probes += [
            inventory(keys), inventory(keys + "?limit=1"), inventory(keys + "?gone=true"), inventory(keys + "/{id}", list: false, idFrom: keys),
            inventory(keys + "/00000000-0000-4000-8000-00000000c0f0", list: false), inventory("/api/v1/cckm/aws/kms/"),
            inventory("/api/v1/connectionmgmt/services/aws/connections"),
        ]
        for cloud in CloudKey.Cloud.allCases where cloud != .aws {
            let list = "/api/v1/cckm/" + cloud.path
            probes += [
                inventory(list), inventory(list + "/{id}", list: false, idFrom: list),
                inventory(list + "/00000000-0000-4000-8000-00000000c0f0", list: false),
            ]
        }
        probes += ["azure/vaults", "google/key-rings", "oci/vaults"].map { inventory("/api/v1/cckm/" + $0) }
        probes += InventoryCollections.empty.map { inventory("/api/v1/cckm/" + $0) }
        probes.append(ConformProbe(name: "GET /api/v1/system/info", group: "system", method: "GET", path: "/api/v1/system/info"))
        return probes
    }
}
