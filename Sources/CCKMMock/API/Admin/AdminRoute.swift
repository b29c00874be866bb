/// A path under `/__admin`: the control API's own routes.
enum AdminRoute: Equatable, Sendable {
    case health, clock, clockAdvance, settle, reset, fixtures, domains, tokens, ui, openAPI
    /// The PEM chain the server presents, so that a client can verify TLS instead of turning it off.
    case tlsCertificate
    case jobs
    case jobComplete(id: String)
    case jobFail(id: String)
    case jobWait(id: String)
    case faults
    case fault(id: String)
    case requests
    case requestsCount
    case requestsFind
    case requestsNearMisses
    case events
    case snapshots
    case snapshot(name: String)
    case snapshotRestore(name: String)
    /// Every domain's scheduler job configurations, with their next due times.
    case schedules

    /// Every control API path, `{…}` for a parameter: what `openapi.yaml` must describe.
    static let templates = [
        "/__admin/health", "/__admin/clock", "/__admin/clock/advance", "/__admin/jobs/settle", "/__admin/reset", "/__admin/fixtures",
        "/__admin/domains", "/__admin/tokens", "/__admin/ui", "/__admin/openapi.yaml", "/__admin/jobs", "/__admin/jobs/{id}/complete",
        "/__admin/jobs/{id}/fail", "/__admin/jobs/{id}/wait", "/__admin/faults", "/__admin/faults/{id}", "/__admin/requests",
        "/__admin/requests/count", "/__admin/requests/find", "/__admin/requests/near-misses", "/__admin/events", "/__admin/snapshots",
        "/__admin/snapshots/{name}", "/__admin/snapshots/{name}/restore",
        "/__admin/tls/cert.pem", "/__admin/schedules",
    ]

    /// `parts`: the path's segments after `/__admin/`.
    init?(parts: [Substring]) {
        let p = parts.map(String.init)
        switch (p.count, p.first ?? "", p.count > 1 ? p[1] : "", p.last ?? "") {
        case (1, "health", _, _): self = .health
        case (1, "domains", _, _): self = .domains
        case (1, "tokens", _, _): self = .tokens
        case (1, "ui", _, _): self = .ui
        case (1, "openapi.yaml", _, _): self = .openAPI
        case (1, "clock", _, _): self = .clock
        case (2, "clock", "advance", _): self = .clockAdvance
        case (2, "tls", "cert.pem", _): self = .tlsCertificate
        case (2, "jobs", "settle", _): self = .settle
        case (1, "reset", _, _): self = .reset
        case (1, "fixtures", _, _): self = .fixtures
        case (1, "jobs", _, _): self = .jobs
        case (3, "jobs", let id, "complete"): self = .jobComplete(id: id)
        case (3, "jobs", let id, "fail"): self = .jobFail(id: id)
        case (3, "jobs", let id, "wait"): self = .jobWait(id: id)
        case (1, "faults", _, _): self = .faults
        case (2, "faults", let id, _): self = .fault(id: id)
        case (1, "requests", _, _): self = .requests
        case (2, "requests", "count", _): self = .requestsCount
        case (2, "requests", "find", _): self = .requestsFind
        case (2, "requests", "near-misses", _): self = .requestsNearMisses
        case (1, "events", _, _): self = .events
        case (1, "snapshots", _, _): self = .snapshots
        case (1, "schedules", _, _): self = .schedules
        case (2, "snapshots", let name, _): self = .snapshot(name: name)
        case (3, "snapshots", let name, "restore"): self = .snapshotRestore(name: name)
        default: return nil
        }
    }

    var allowedMethods: [String] {
        switch self {
        case .requestsCount: ["GET", "POST"]
        case .requestsFind, .requestsNearMisses: ["POST"]
        case .health, .jobs, .jobWait, .events, .schedules, .snapshots, .domains, .ui, .openAPI, .tlsCertificate: ["GET"]
        case .clock: ["GET", "POST"]
        case .clockAdvance, .settle, .reset, .fixtures, .jobComplete, .jobFail, .snapshotRestore, .tokens: ["POST"]
        case .faults: ["GET", "POST", "DELETE"]
        case .fault: ["GET", "DELETE"]
        case .requests: ["GET", "DELETE"]
        case .snapshot: ["POST", "DELETE"]
        }
    }
}
