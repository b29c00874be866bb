/// What a request path names, before the method is looked at.
public enum Route: Equatable, Sendable {
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

    static let cckmPrefix = "/api/v1/cckm/"
    static let adminPrefix = "/__admin/"
    private static let auth: [String: Route] = ["/api/v1/auth/tokens": .login, "/api/v1/auth/revoke": .revoke]

    /// The route for a path, or nil when nothing lives there. A trailing slash is accepted.
    public init?(path: String) {
        var path = Substring(path)
        if path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
        if let auth = Self.auth[String(path)] {
            self = auth
            return
        }
        if path.hasPrefix(Self.adminPrefix) {
            let parts = path.dropFirst(Self.adminPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
            guard !parts.contains(where: \.isEmpty), let admin = AdminRoute(parts: parts) else { return nil }
            self = .admin(admin)
            return
        }
        guard path.hasPrefix(Self.cckmPrefix) else { return nil }
        let parts = path.dropFirst(Self.cckmPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.contains(where: \.isEmpty) else { return nil }
        if let family = JobFamily.at(basePath: parts.joined(separator: "/")) {
            self = .jobs(family)
        } else if parts.count > 1, let family = JobFamily.at(basePath: parts.dropLast().joined(separator: "/")) {
            self = .job(family, id: String(parts[parts.count - 1]))
        } else if parts.count > 2, parts.last == "cancel", let family = JobFamily.at(basePath: parts.dropLast(2).joined(separator: "/")) {
            self = .cancel(family, id: String(parts[parts.count - 2]))
        } else {
            return nil
        }
    }

    /// The family a CCKM route belongs to.
    public var family: JobFamily? {
        switch self {
        case .jobs(let family), .job(let family, _), .cancel(let family, _): family
        default: nil
        }
    }

    /// The methods this route answers, for 405's `Allow` header.
    public var allowedMethods: [String] {
        switch self {
        case .jobs: ["GET", "POST"]
        case .job: ["GET"]
        case .cancel, .login, .revoke: ["POST"]
        case .admin(let admin): admin.allowedMethods
        }
    }
}
