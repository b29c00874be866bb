import HTTPServer
import Logging
import Synchronization

/// Where a request goes: the control API, a fault rule, a start or a cancel through the engine's
/// group commit, or a read (cached); and the journal entry each leaves.
extension CCKMApp {
    func routed(_ request: HTTPRequest) -> HTTPReply {
        // Browsers ask for it when they open the dashboard; it is not the client's traffic.
        if request.path == "/favicon.ico" { return .now(HTTPResponse(status: 204)) }
        guard hosts.allows(host: request.headers["Host"]) else {
            return .now(
                response(
                    for: .forbidden("The mock does not answer for the host \(String(request.headers["Host"]?.prefix(100) ?? "")); see --allow-host")))
        }
        let route = Route(path: request.path)
        if case .admin(let admin)? = route {
            return guarded(request) {
                if let refusal = HostPolicy.crossOriginRefusal(request) { throw APIError.forbidden(refusal) }
                try self.checkAdminToken(request, route: admin)
                return try self.admin(admin, request: request)
            }
        }
        guard let fault = faults.hit(request, family: route?.family?.name, randomness: randomness) else {
            return answer(request, route: route)
        }
        let delay = Duration.milliseconds(fault.latencyMilliseconds)
        let effect: @Sendable () -> HTTPReply = {
            if fault.dropConnection {
                // Journaled with status 0: the client did send it.
                self.journal.record(request, status: 0, domain: self.journalDomain(request, route), at: SystemClock().now())
                return .hangUp
            }
            guard let status = fault.status else { return self.answer(request, route: route) }
            let error = APIError(
                status: status, code: fault.code ?? 14, name: "NCERRFault", description: "Injected fault",
                message: fault.message ?? "Fault \(fault.id) injected by the mock")
            self.journal.record(request, status: status, domain: self.journalDomain(request, route), at: SystemClock().now())
            return .now(self.response(for: error))
        }
        if fault.latencyMilliseconds == 0 { return effect() }
        return .later { deliver in
            Task {
                try? await Task.sleep(for: delay)
                switch effect() {
                case .now(let response): deliver(response)
                case .hangUp: deliver(nil)
                case .later(let start): start(deliver)
                }
            }
        }
    }

    /// Declares the domain of every stored job, so that a fixture whose jobs name a domain its
    /// `domains` list forgot (or a generated one) still has those jobs reachable by a login to it.
    /// Chosen over refusing the fixture: loading what was meant beats an error about a list.
    func adoptDomainsOfStoredJobs() throws {
        tokens.add(users: [:], domains: try store.domainsHoldingJobs())
    }

    /// With `--admin-token`, the control API answers only requests that carry it as a bearer token.
    /// The health check stays open (a container's probe has no secret to send), and so do the
    /// dashboard's page, the spec and the certificate, which hold none; the dashboard then asks for it.
    func checkAdminToken(_ request: HTTPRequest, route: AdminRoute) throws(APIError) {
        guard let adminToken, ![.health, .ui, .openAPI, .tlsCertificate].contains(route) else { return }
        let sent = request.headers["Authorization"].flatMap(TokenService.bearerToken).map { Array($0.utf8) } ?? []
        guard Crypto.constantTimeEquals(sent, adminToken) else {
            throw .unauthorized(
                sent.isEmpty ? "The control API needs Authorization: Bearer <admin token>" : "The admin token is wrong")
        }
    }

    /// A CCKM or login request answered and journaled. Starts and cancels are answered once the
    /// engine's group commit has them on disk.
    func answer(_ request: HTTPRequest, route: Route?) -> HTTPReply {
        let journal = self.journal
        let domainOfRequest = journalDomain(request, route)
        let journaled: @Sendable (HTTPResponse) -> HTTPResponse = { response in
            journal.record(request, status: response.status, domain: domainOfRequest, at: SystemClock().now())
            return response
        }
        if let route, request.method == "POST", case .jobs(let family) = route {
            return write(request) { domain, finish in self.engine.start(family: family, domain: domain, body: request.body, finish: finish) }
                .map(201, journaled)
        }
        if request.method == "POST", case .login? = route {
            return login(request).map(200, journaled)
        }
        if let route, request.method == "POST", case .cancel(let family, let id) = route {
            return write(request) { domain, finish in self.engine.cancel(family: family, domain: domain, id: id.lowercased(), finish: finish) }
                .map(200, journaled)
        }
        switch guarded(request, { .now(try self.route(request, route)) }) {
        case .now(let answer): return .now(journaled(answer))
        case .later, .hangUp: return .now(journaled(response(for: .internalError())))
        }
    }

    /// A start or a cancel: the token checked now, the write handed to the engine, which
    /// finishes it after the group commit with the job's JSON or an error.
    func write(
        _ request: HTTPRequest,
        _ perform: @escaping @Sendable (_ domain: String, _ finish: @escaping @Sendable (Result<String, any Error>) -> Void) -> Void
    ) -> PendingWrite {
        let id = Self.requestID
        do {
            let domain = try tokens.domain(authorization: request.headers["Authorization"])
            return PendingWrite(app: self, request: request, requestID: id) { finish in perform(domain, finish) }
        } catch {
            return PendingWrite(app: self, request: request, requestID: id) { finish in finish(.failure(error)) }
        }
    }

    /// A login: checked now; a password grant's new session saved with the engine's group
    /// commit and answered after it, a refresh token answered at once (nothing to write).
    func login(_ request: HTTPRequest) -> PendingWrite {
        let (tokens, engine) = (self.tokens, self.engine)
        return PendingWrite(app: self, request: request, requestID: Self.requestID) { finish in
            do {
                let login = try tokens.checkLogin(body: request.body)
                guard login.isNew else { return finish(.success(login.response)) }
                engine.saveSession(login.session, createdAt: tokens.now(), response: login.response, finish: finish)
            } catch {
                finish(.failure(error))
            }
        }
    }

    /// The domain a CCKM request acted in, for the journal: its token's (already checked and
    /// cached by then), root with login off; nil outside the CCKM paths or without a valid token.
    func journalDomain(_ request: HTTPRequest, _ route: Route?) -> String? {
        switch route {
        case .jobs?, .job?, .cancel?: try? tokens.domain(authorization: request.headers["Authorization"])
        case let route? where route.isScheduler: try? tokens.domain(authorization: request.headers["Authorization"])
        default: nil
        }
    }

    func route(_ request: HTTPRequest, _ route: Route?) throws -> HTTPResponse {
        guard let route else {
            throw APIError.notFound("No resource at \(request.path)")
        }
        // HEAD is GET without the body; libmicrohttpd drops the body.
        let method = request.method == "HEAD" ? "GET" : request.method
        guard route.allowedMethods.contains(method) else {
            throw APIError.methodNotAllowed(request.method, allowed: route.allowedMethods)
        }
        switch route {
        case .login:
            // A POST was answered by `login(_:)` through the group commit; other methods stop above.
            throw APIError.internalError()
        case .revoke:
            try tokens.revoke(body: request.body)
            return HTTPResponse(status: 204)
        case .admin:
            throw APIError.notFound()
        case .schedulerConfigs, .schedulerConfig, .schedulerRunNow, .schedulerRuns, .schedulerRun, .schedulerOperations:
            return try scheduler(route, method: method, request: request, domain: try tokens.domain(authorization: request.headers["Authorization"]))
        case .jobs, .job, .cancel:
            break
        }
        let domain = try tokens.domain(authorization: request.headers["Authorization"])
        // Starts and cancels (the POSTs) went to the engine's group commit in `answer`.
        return try cache.response(for: Self.cacheKey(domain: domain, request: request), generation: { store.generation }) {
            try read(route, domain: domain, request: request)
        }
    }

    /// A list or a job, as `GET` asks.
    func read(_ route: Route, domain: String, request: HTTPRequest) throws -> HTTPResponse {
        switch route {
        case .jobs(let family):
            return try list(family, domain: domain, request: request)
        case .job(let family, let id):
            guard let document = try store.document(family: family, domain: domain, id: id.lowercased()) else {
                throw APIError.notFound()
            }
            return .json(200, document)
        default:
            throw APIError.notFound()
        }
    }

    /// Domain, path and the query exactly as sent.
    static func cacheKey(domain: String, request: HTTPRequest) -> String {
        var key = domain + "\u{0}" + request.path
        for item in request.query {
            key += "\u{0}" + item.name + "=" + (item.value ?? "\u{1}")
        }
        return key
    }

    func list(_ family: JobFamily, domain: String, request: HTTPRequest) throws -> HTTPResponse {
        let query = try ListQuery.parse(request.query, family: family)
        let page = try store.list(family: family, domain: domain, query: query)
        return .json(200, Self.listEnvelope(query: query, total: page.total, resources: page.documents))
    }

    /// `{"skip","limit","total","resources":[…]}` around already-rendered resources.
    static func listEnvelope(query: ListQuery, total: Int, resources: [String]) -> String {
        listEnvelope(skip: query.skip, limit: query.limit, total: total, resources: resources)
    }

    static func listEnvelope(skip: Int, limit: Int, total: Int, resources: [String]) -> String {
        JSONWriter.object([("skip", .number(skip)), ("limit", .number(limit)), ("total", .number(total)), ("resources", .array(resources))])
    }
}

/// A start or a cancel on its way through the group commit, and how its result becomes a reply.
struct PendingWrite {
    let app: CCKMApp
    let request: HTTPRequest
    let requestID: String?
    let perform: @Sendable (_ finish: @escaping @Sendable (Result<String, any Error>) -> Void) -> Void

    /// The reply: `status` with the job's JSON, or the error's CM envelope, passed through `finished`.
    func map(_ status: Int, _ finished: @escaping @Sendable (HTTPResponse) -> HTTPResponse) -> HTTPReply {
        let (app, request, id, perform) = (app, request, requestID, perform)
        return .later { deliver in
            perform { result in
                let response: HTTPResponse =
                    switch result {
                    case .success(let document): .json(status, document)
                    case .failure(let error): CCKMApp.$requestID.withValue(id) { app.response(for: error, to: request) }
                    }
                deliver(finished(response))
            }
        }
    }
}
