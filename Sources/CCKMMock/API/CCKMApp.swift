import HTTPServer
import Logging

/// The mock's whole HTTP surface as one responder: a request value in, a response value out. The
/// live server calls it on libmicrohttpd's threads; tests call it directly, with no socket.
public final class CCKMApp: HTTPResponder {
    public let store: JobStore
    public let simulator: Simulator
    public let tokens: TokenService
    let randomness: Randomness
    let logger: Logger

    public init(
        store: JobStore, clock: any SimulationClock = SystemClock(), settings: SimulatorSettings = SimulatorSettings(),
        randomness: Randomness = Randomness(), auth: AuthSettings = AuthSettings(enabled: false),
        signingKey: [UInt8] = Crypto.randomBytes(32), tokenClock: @escaping @Sendable () -> Int64 = TokenService.wallSeconds,
        logger: Logger = Logger(label: "cckm-mock")
    ) throws {
        self.store = store
        self.randomness = randomness
        self.simulator = Simulator(store: store, clock: clock, planner: JobPlanner(settings: settings, randomness: randomness))
        self.tokens = try TokenService(settings: auth, key: signingKey, store: store, now: tokenClock)
        self.logger = logger
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        do {
            return try route(request)
        } catch let error as APIError {
            return response(for: error)
        } catch {
            // The one place an unexpected error becomes a 500; it is logged, never shown raw.
            logger.error("unexpected error", metadata: ["method": "\(request.method)", "path": "\(request.path)", "error": "\(error)"])
            return response(for: .internalError())
        }
    }

    public func respondToOversizedBody(_ request: HTTPRequest, limit: Int) -> HTTPResponse {
        response(for: .payloadTooLarge(limit: limit))
    }

    func response(for error: APIError) -> HTTPResponse {
        .json(error.status, error.json(requestID: randomness.uuid()), headers: error.headers)
    }

    private func route(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let route = Route(path: request.path) else {
            throw APIError.notFound("No resource at \(request.path)")
        }
        // HEAD is GET without the body; libmicrohttpd drops the body.
        let method = request.method == "HEAD" ? "GET" : request.method
        guard route.allowedMethods.contains(method) else {
            throw APIError.methodNotAllowed(request.method, allowed: route.allowedMethods)
        }
        switch route {
        case .health, .clock, .clockAdvance, .settle:
            return try admin(route, request: request)
        case .login:
            return .json(200, try tokens.login(body: request.body))
        case .revoke:
            try tokens.revoke(body: request.body)
            return HTTPResponse(status: 204)
        case .jobs, .job, .cancel:
            break
        }
        let domain = try tokens.domain(authorization: request.headers["Authorization"])
        switch (route, method) {
        case (.jobs(let family), "GET"):
            return try list(family, domain: domain, request: request)
        case (.jobs(let family), _):
            return .json(201, try simulator.start(family: family, domain: domain, body: request.body))
        case (.job(let family, let id), _):
            guard let document = try store.document(family: family, domain: domain, id: id.lowercased()) else {
                throw APIError.notFound()
            }
            return .json(200, document)
        case (.cancel(let family, let id), _):
            return .json(200, try simulator.cancel(family: family, domain: domain, id: id.lowercased()))
        default:
            throw APIError.notFound()
        }
    }

    private func list(_ family: JobFamily, domain: String, request: HTTPRequest) throws -> HTTPResponse {
        let query = try ListQuery.parse(request.query, family: family)
        let page = try store.list(family: family, domain: domain, query: query)
        var body = "{\"skip\":\(query.skip),\"limit\":\(query.limit),\"total\":\(page.total),\"resources\":["
        body.reserveCapacity(body.utf8.count + page.documents.reduce(page.documents.count + 2) { $0 + $1.utf8.count })
        for (index, document) in page.documents.enumerated() {
            if index > 0 { body += "," }
            body += document
        }
        body += "]}"
        return .json(200, body)
    }
}
