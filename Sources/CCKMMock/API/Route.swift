/// What a request path names, before the method is looked at.
enum Route: Equatable, Sendable {
    /// `/api/v1/cckm/<base>`: list (GET) and start (POST).
    case jobs(JobFamily)
    /// `/api/v1/cckm/<base>/<id>`.
    case job(JobFamily, id: String)
    /// `/api/v1/cckm/<base>/<id>/cancel`.
    case cancel(JobFamily, id: String)
    /// `/__admin/...`: the control API.
    case admin(AdminRoute)
    /// `/api/v1/auth/tokens`: login.
    case login
    /// `/api/v1/auth/revoke`: end a login session.
    case revoke
    /// `/api/v1/scheduler/job-configs`: list (GET) and create (POST).
    case schedulerConfigs
    /// `/api/v1/scheduler/job-configs/<id>`: get, patch, delete.
    case schedulerConfig(id: String)
    /// `/api/v1/scheduler/job-configs/<id>/run-now`.
    case schedulerRunNow(configID: String)
    /// `/api/v1/scheduler/jobs`: the job runs.
    case schedulerRuns
    /// `/api/v1/scheduler/jobs/<id>`: get, delete.
    case schedulerRun(id: String)
    /// `/api/v1/scheduler/operations`.
    case schedulerOperations

    static let cckmPrefix = "/api/v1/cckm/"
    static let adminPrefix = "/__admin/"
    static let schedulerPrefix = "/api/v1/scheduler/"
    private static let auth: [String: Route] = ["/api/v1/auth/tokens": .login, "/api/v1/auth/revoke": .revoke]

    /// The route for a path, or nil when nothing lives there. A trailing slash is accepted.
    ///
    /// Matched on UTF-8 bytes: `Character` counts and comparisons walk grapheme clusters, and
    /// measured about a tenth of a cached list request's time.
    init?(path: String) {
        var path = Substring(path)
        if path.utf8.count > 1 && path.utf8.last == UInt8(ascii: "/") { path = Substring(path.utf8.dropLast()) }
        if let auth = Self.auth[String(path)] {
            self = auth
            return
        }
        if let rest = path.afterASCIIPrefix(Self.schedulerPrefix) {
            guard let scheduler = Self.scheduler(rest.slashSeparatedParts) else { return nil }
            self = scheduler
            return
        }
        if let rest = path.afterASCIIPrefix(Self.adminPrefix) {
            let parts = rest.slashSeparatedParts
            guard !parts.contains(where: { $0.isEmpty }), let admin = AdminRoute(parts: parts) else { return nil }
            self = .admin(admin)
            return
        }
        guard let rest = path.afterASCIIPrefix(Self.cckmPrefix) else { return nil }
        let parts = rest.slashSeparatedParts
        guard !parts.contains(where: { $0.isEmpty }) else { return nil }
        /// The family whose base path is `rest` without its last `count` parts.
        func family(droppingLast count: Int) -> JobFamily? {
            guard parts.count > count else { return nil }
            return JobFamily.at(basePath: String(rest[..<parts[parts.count - 1 - count].endIndex]))
        }
        if let family = family(droppingLast: 0) {
            self = .jobs(family)
        } else if let family = family(droppingLast: 1) {
            self = .job(family, id: String(parts[parts.count - 1]))
        } else if parts.last == "cancel", let family = family(droppingLast: 2) {
            self = .cancel(family, id: String(parts[parts.count - 2]))
        } else {
            return nil
        }
    }

    /// What lives under `/api/v1/scheduler/`.
    private static func scheduler(_ parts: [Substring]) -> Route? {
        guard !parts.contains(where: { $0.isEmpty }) else { return nil }
        switch (parts.first, parts.count) {
        case ("job-configs", 1): return .schedulerConfigs
        case ("job-configs", 2): return .schedulerConfig(id: String(parts[1]))
        case ("job-configs", 3) where parts[2] == "run-now": return .schedulerRunNow(configID: String(parts[1]))
        case ("jobs", 1): return .schedulerRuns
        case ("jobs", 2): return .schedulerRun(id: String(parts[1]))
        case ("operations", 1): return .schedulerOperations
        default: return nil
        }
    }

    /// Whether the route is the scheduler's.
    var isScheduler: Bool {
        switch self {
        case .schedulerConfigs, .schedulerConfig, .schedulerRunNow, .schedulerRuns, .schedulerRun, .schedulerOperations: true
        default: false
        }
    }

    /// The family a CCKM route belongs to.
    var family: JobFamily? {
        switch self {
        case .jobs(let family), .job(let family, _), .cancel(let family, _): family
        default: nil
        }
    }

    /// The methods this route answers, for 405's `Allow` header.
    var allowedMethods: [String] {
        switch self {
        case .jobs: ["GET", "POST"]
        case .job: ["GET"]
        case .cancel, .login, .revoke, .schedulerRunNow: ["POST"]
        case .schedulerConfigs: ["GET", "POST"]
        case .schedulerConfig: ["GET", "PATCH", "DELETE"]
        case .schedulerRuns, .schedulerOperations: ["GET"]
        case .schedulerRun: ["GET", "DELETE"]
        case .admin(let admin): admin.allowedMethods
        }
    }
}

extension Substring {
    /// What follows `prefix` (ASCII), compared byte for byte; nil when the text does not start with it.
    fileprivate func afterASCIIPrefix(_ prefix: String) -> Substring? {
        utf8.starts(with: prefix.utf8) ? Substring(utf8.dropFirst(prefix.utf8.count)) : nil
    }

    /// The parts between slashes, empty ones included, sharing this text's indices.
    fileprivate var slashSeparatedParts: [Substring] {
        utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
    }
}
