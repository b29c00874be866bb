import HTTPServer
import Logging
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The mock's whole HTTP surface as one responder: a request value in, a reply out. The live
/// server calls `reply(to:)` on libmicrohttpd's threads; tests call it, or `respond(to:)`, directly.
public final class CCKMApp: HTTPResponder {
    public let store: JobStore
    public let simulator: Simulator
    public let tokens: TokenService
    public let journal: RequestJournal
    public let faults = FaultRules()
    let cache: ResponseCache
    /// When set, every `/__admin` request must carry `Authorization: Bearer <adminToken>`.
    let adminToken: [UInt8]?
    /// The certificate chain the server presents (PEM), served at `/__admin/tls/cert.pem`; nil over plain HTTP.
    let certificatePEM: String?
    let accessLog: AccessLog
    let requestIDs = RequestIDs()
    /// The id of the request being answered on this thread, for the log line of an unexpected error.
    @TaskLocal static var requestID: String?
    let randomness: Randomness
    let logger: Logger
    /// The fixture `reset` goes back to: the one loaded at start, changed by `POST /__admin/fixtures`.
    let fixture: Mutex<Fixture>

    public init(
        store: JobStore, clock: any SimulationClock = SystemClock(), settings: SimulatorSettings = SimulatorSettings(),
        randomness: Randomness = Randomness(), auth: AuthSettings = AuthSettings(enabled: false),
        signingKey: [UInt8] = Crypto.randomBytes(32), tokenClock: @escaping @Sendable () -> Int64 = TokenService.wallSeconds,
        journal: RequestJournal = RequestJournal(), fixture: Fixture = Fixture(jobs: []), batchWrites: Bool = false,
        cacheBytes: Int = ResponseCache.defaultBytes, adminToken: String? = nil, certificatePEM: String? = nil,
        accessLog: AccessLog = AccessLog(format: .off), logger: Logger = Logger(label: "cckm-mock")
    ) throws {
        self.accessLog = accessLog
        self.certificatePEM = certificatePEM
        self.store = store
        self.cache = ResponseCache(capacity: cacheBytes)
        self.adminToken = adminToken.map { Array($0.utf8) }
        self.randomness = randomness
        self.simulator = Simulator(
            store: store, clock: clock, planner: JobPlanner(settings: settings, randomness: randomness), groupCommit: batchWrites)
        self.tokens = try TokenService(settings: auth, key: signingKey, store: store, now: tokenClock)
        self.journal = journal
        self.fixture = Mutex(fixture)
        self.logger = logger
    }

    /// Control API requests are answered as they are; every other request is first offered to the
    /// fault rules, then answered and written to the journal.
    public func reply(to request: HTTPRequest) -> HTTPReply {
        let started = ContinuousClock.now
        let id = requestIDs.next()
        switch Self.$requestID.withValue(id, operation: { routed(request) }) {
        case .now(let response):
            return .now(identified(response, request, id: id, since: started))
        case .hangUp:
            logAccess(request, nil, id: id, since: started)
            return .hangUp
        case .later(let start):
            return .later { deliver in start { deliver($0.map { self.identified($0, request, id: id, since: started) }) } }
        }
    }

    /// The response with its `X-Request-ID`, logged.
    private func identified(_ response: HTTPResponse, _ request: HTTPRequest, id: String, since started: ContinuousClock.Instant) -> HTTPResponse {
        logAccess(request, response, id: id, since: started)
        var response = response
        response.headers.add(name: "X-Request-ID", value: id)
        return response
    }

    private func logAccess(_ request: HTTPRequest, _ response: HTTPResponse?, id: String, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        accessLog.record(request, status: response?.status ?? 0, bytes: response?.body.count ?? 0, microseconds: microseconds, requestID: id)
    }

    private func routed(_ request: HTTPRequest) -> HTTPReply {
        // Browsers ask for it when they open the dashboard; it is not the client's traffic.
        if request.path == "/favicon.ico" { return .now(HTTPResponse(status: 204)) }
        let route = Route(path: request.path)
        if case .admin(let admin)? = route {
            return guarded(request) {
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
    private func checkAdminToken(_ request: HTTPRequest, route: AdminRoute) throws(APIError) {
        guard let adminToken, ![.health, .ui, .openAPI, .tlsCertificate].contains(route) else { return }
        let sent = request.headers["Authorization"].flatMap(TokenService.bearerToken).map { Array($0.utf8) } ?? []
        guard Crypto.constantTimeEquals(sent, adminToken) else {
            throw .unauthorized(
                sent.isEmpty ? "The control API needs Authorization: Bearer <admin token>" : "The admin token is wrong")
        }
    }

    /// The answer when it is given before this returns (a start or a cancel in-process, where the
    /// group commit is a batch of one written at once); a reply that comes later (a wait, a delay)
    /// or hangs up is a 500 here, so tests of those use `reply(to:)`.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        switch reply(to: request) {
        case .now(let response):
            return response
        case .later(let start):
            let delivered = Mutex<HTTPResponse??>(nil)
            start { response in delivered.withLock { $0 = .some(response) } }
            if case .some(.some(let response)) = delivered.withLock({ $0 }) { return response }
            return response(for: .internalError("This answer comes later or hangs up; call reply(to:)"))
        case .hangUp:
            return response(for: .internalError("This answer comes later or hangs up; call reply(to:)"))
        }
    }

    public func respondToOversizedBody(_ request: HTTPRequest, limit: Int) -> HTTPResponse {
        identified(response(for: .payloadTooLarge(limit: limit)), request, id: requestIDs.next(), since: .now)
    }

    public func respondToRefusedHead(_ request: HTTPRequest, part: HTTPHeadPart, limit: Int) -> HTTPResponse {
        identified(refusal(part, limit: limit), request, id: requestIDs.next(), since: .now)
    }

    private func refusal(_ part: HTTPHeadPart, limit: Int) -> HTTPResponse {
        switch part {
        case .queryParameters:
            return response(
                for: APIError(
                    status: part.status, code: 15, name: "NCERRBadRequest", description: "Bad request",
                    message: "The query has more than the limit of \(limit) parameters"))
        case .pathWithNUL:
            return response(for: .badRequest("The path holds an encoded NUL (%00)"))
        case .target, .headers:
            return response(for: .headTooLarge(status: part.status, part: part.rawValue, limit: limit))
        }
    }

    public func respondWhileStopping() -> HTTPResponse {
        response(
            for: APIError(status: 503, code: 14, name: "NCERRServiceUnavailable", description: "Service unavailable", message: "The mock is stopping")
        )
    }

    func response(for error: APIError) -> HTTPResponse {
        .json(error.status, error.json(requestID: randomness.uuid()), headers: error.headers)
    }

    /// Runs `body`, turning errors into CM envelopes.
    func guarded(_ request: HTTPRequest, _ body: () throws -> HTTPReply) -> HTTPReply {
        do {
            return try body()
        } catch {
            return .now(response(for: error, to: request))
        }
    }

    /// Any error as the client sees it: an `APIError` as its CM envelope. This is the one place
    /// an unexpected error becomes a 500; it is logged, never shown raw.
    func response(for error: any Error, to request: HTTPRequest) -> HTTPResponse {
        if let error = APIError(error) {
            if error.status == 507 {
                logger.error("the disk is full: writes are refused until there is room", metadata: ["path": "\(request.path)"])
            }
            // CM's message stays CM's; the mock's own way out goes to the log.
            if error.status == 409, request.method == "POST", case .jobs? = Route(path: request.path) {
                logger.info(
                    "start refused while a job of the family runs; serve --allow-concurrent-jobs lifts the rule",
                    metadata: ["path": "\(request.path)", "requestID": "\(Self.requestID ?? "-")"])
            }
            return response(for: error)
        }
        logger.error(
            "unexpected error",
            metadata: ["method": "\(request.method)", "path": "\(request.path)", "requestID": "\(Self.requestID ?? "-")", "error": "\(error)"])
        return response(for: .internalError())
    }

    /// A CCKM or login request answered and journaled. Starts and cancels are answered once the
    /// simulator's group commit has them on disk.
    private func answer(_ request: HTTPRequest, route: Route?) -> HTTPReply {
        let journal = self.journal
        let domainOfRequest = journalDomain(request, route)
        let journaled: @Sendable (HTTPResponse) -> HTTPResponse = { response in
            journal.record(request, status: response.status, domain: domainOfRequest, at: SystemClock().now())
            return response
        }
        if let route, request.method == "POST", case .jobs(let family) = route {
            return write(request) { domain, finish in self.simulator.start(family: family, domain: domain, body: request.body, finish: finish) }
                .map(201, journaled)
        }
        if let route, request.method == "POST", case .cancel(let family, let id) = route {
            return write(request) { domain, finish in self.simulator.cancel(family: family, domain: domain, id: id.lowercased(), finish: finish) }
                .map(200, journaled)
        }
        switch guarded(request, { .now(try self.route(request, route)) }) {
        case .now(let answer): return .now(journaled(answer))
        case .later, .hangUp: return .now(journaled(response(for: .internalError())))
        }
    }

    /// A start or a cancel: the token checked now, the write handed to the simulator, which
    /// finishes it after the group commit with the job's JSON or an error.
    private func write(
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

    /// The domain a CCKM request acted in, for the journal: its token's (already checked and
    /// cached by then), root with login off; nil outside the CCKM paths or without a valid token.
    private func journalDomain(_ request: HTTPRequest, _ route: Route?) -> String? {
        switch route {
        case .jobs?, .job?, .cancel?, .schedulerConfigs?, .schedulerConfig?: try? tokens.domain(authorization: request.headers["Authorization"])
        default: nil
        }
    }

    private func route(_ request: HTTPRequest, _ route: Route?) throws -> HTTPResponse {
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
            return .json(200, try tokens.login(body: request.body))
        case .revoke:
            try tokens.revoke(body: request.body)
            return HTTPResponse(status: 204)
        case .admin:
            throw APIError.notFound()
        case .schedulerConfigs, .schedulerConfig:
            return try scheduler(route, method: method, request: request, domain: try tokens.domain(authorization: request.headers["Authorization"]))
        case .jobs, .job, .cancel:
            break
        }
        let domain = try tokens.domain(authorization: request.headers["Authorization"])
        // Starts and cancels (the POSTs) went to the simulator's group commit in `answer`.
        return try cache.response(for: Self.cacheKey(domain: domain, request: request), generation: { store.generation }) {
            try read(route, domain: domain, request: request)
        }
    }

    /// A list or a job, as `GET` asks.
    private func read(_ route: Route, domain: String, request: HTTPRequest) throws -> HTTPResponse {
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
    private static func cacheKey(domain: String, request: HTTPRequest) -> String {
        var key = domain + "\u{0}" + request.path
        for item in request.query {
            key += "\u{0}" + item.name + "=" + (item.value ?? "\u{1}")
        }
        return key
    }

    private func list(_ family: JobFamily, domain: String, request: HTTPRequest) throws -> HTTPResponse {
        let query = try ListQuery.parse(request.query, family: family)
        let page = try store.list(family: family, domain: domain, query: query)
        return .json(200, Self.listEnvelope(query: query, total: page.total, resources: page.documents))
    }

    /// `{"skip","limit","total","resources":[…]}` around already-rendered resources.
    static func listEnvelope(query: ListQuery, total: Int, resources: [String]) -> String {
        var body = "{\"skip\":\(query.skip),\"limit\":\(query.limit),\"total\":\(total),\"resources\":["
        body.reserveCapacity(body.utf8.count + resources.reduce(resources.count + 2) { $0 + $1.utf8.count })
        for (index, resource) in resources.enumerated() {
            if index > 0 { body += "," }
            body += resource
        }
        body += "]}"
        return body
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
