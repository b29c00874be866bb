import CCKMCore
import CCKMEngine
import CCKMStore
import Dispatch
import HTTPServer
import Logging
import Synchronization

/// Where a request goes: the control API, a fault rule, a start or a cancel through the engine's
/// group commit, or a read (cached); and the journal entry each leaves.
extension CCKMApp {
    /// Where control calls that change state run: off the event loops, several at once (the
    /// engine takes its moves one at a time itself).
    static let controlCalls = DispatchQueue(label: "cckm-mock.control-calls", attributes: .concurrent)

    func routed(_ request: HTTPRequest) -> HTTPReply {
        // Browsers ask for it when they open the dashboard; it is not the client's traffic.
        if request.path == "/favicon.ico" { return .now(HTTPResponse(status: 204)) }
        guard hosts.allows(host: request.headers["Host"]) else {
            return .now(
                response(
                    for: .forbidden("The mock does not answer for the host \(String(request.headers["Host"]?.prefix(100) ?? "")); see --allow-host")))
        }
        let match = Self.routes.match(request.path)
        if let match, match.access.isAdmin {
            return guarded(request) {
                if let refusal = HostPolicy.crossOriginRefusal(request) { throw APIError.forbidden(refusal) }
                try self.checkAdminToken(request, access: match.access)
                // Reads answer at once; every other control call (an advance, a reset, a fixture
                // load, a snapshot) may take long, so it runs off libmicrohttpd's event loops: a
                // loop held by one would keep health and every connection it holds waiting.
                guard request.method != "GET", request.method != "HEAD" else { return try self.call(match, request) }
                return self.offTheLoops(request, match) { $0 }
            }
        }
        // With login off no token stands between a web page and a state change: a page of another
        // origin must not start jobs or create configurations with a no-cors POST.
        if !tokens.settings.enabled, !["GET", "HEAD", "OPTIONS"].contains(request.method),
            let refusal = HostPolicy.crossOriginRefusal(request, who: "With login off (--auth off), the mock")
        {
            return .now(response(for: .forbidden(refusal + "; clients that are not browsers send no Origin")))
        }
        guard let fault = faults.hit(request, family: match?.family?.name, randomness: randomness) else {
            return answer(request, match)
        }
        let delay = Duration.milliseconds(fault.latencyMilliseconds)
        let effect: @Sendable () -> HTTPReply = {
            if fault.dropConnection {
                // Journaled with status 0: the client did send it.
                self.journal.record(request, status: 0, domain: self.journalDomain(request, match), at: SystemClock().now())
                return .hangUp
            }
            guard let status = fault.status else { return self.answer(request, match) }
            let error = APIError(
                status: status, code: fault.code ?? 14, name: "NCERRFault", description: "Injected fault",
                message: fault.message ?? "Fault \(fault.id) injected by the mock")
            self.journal.record(request, status: status, domain: self.journalDomain(request, match), at: SystemClock().now())
            return .now(self.response(for: error))
        }
        if fault.latencyMilliseconds == 0 { return effect() }
        return .later { deliver in
            Task {
                try? await Task.sleep(for: delay)
                switch effect() {
                case .now(let response): deliver(response)
                case .hangUp: deliver(nil)
                case .later(let start, let then): start { deliver(then($0)) }
                }
            }
        }
    }

    /// Declares the domain of every stored job, so that a fixture whose jobs name a domain its
    /// `domains` list forgot (or a generated one) still has those jobs reachable by a login to it.
    /// Chosen over refusing the fixture: loading what was meant beats an error about a list.
    func adoptDomainsOfStoredJobs() throws {
        tokens.adopt(domains: try store.domainsHoldingJobs())
    }

    /// With `--admin-token`, the control API answers only requests that carry it as a bearer token.
    /// The health check stays open (a container's probe has no secret to send), and so do the
    /// dashboard's page, the spec and the certificate, which hold none; the dashboard then asks for it.
    func checkAdminToken(_ request: HTTPRequest, access: Access) throws(APIError) {
        guard let adminToken, access == .admin else { return }
        let sent = request.headers["Authorization"].flatMap(TokenService.bearerToken).map { Array($0.utf8) } ?? []
        guard Crypto.constantTimeEquals(sent, adminToken) else {
            throw .unauthorized(
                sent.isEmpty ? "The control API needs Authorization: Bearer <admin token>" : "The admin token is wrong")
        }
    }

    /// A CCKM, scheduler or login request answered and journaled, a reply that comes later
    /// (a start, a cancel, a login after the engine's group commit) when it comes.
    func answer(_ request: HTTPRequest, _ match: RouteTable.Match?) -> HTTPReply {
        let journal = self.journal
        let domainOfRequest = journalDomain(request, match)
        let journaled: @Sendable (HTTPResponse) -> HTTPResponse = { response in
            journal.record(request, status: response.status, domain: domainOfRequest, at: SystemClock().now())
            return response
        }
        // The scheduler's writes (a create, a PATCH, a DELETE, a run-now) wait for the engine: off
        // the event loops, as the control API's do.
        if let match, match.access == .scheduler, request.method != "GET", request.method != "HEAD" {
            return offTheLoops(request, match, journaled)
        }
        let reply = guarded(request) {
            guard let match else { throw APIError.notFound("No resource at \(request.path)") }
            return try call(match, request)
        }
        switch reply {
        case .now(let answer): return .now(journaled(answer))
        case .later(let start, let then): return .later(start, then: { then($0).map(journaled) })
        case .hangUp: return .now(journaled(response(for: .internalError())))
        }
    }

    /// The endpoint called on `controlCalls` instead of the event loop that read the request, its
    /// answer passed through `finish` (the journal, for CM's paths).
    func offTheLoops(
        _ request: HTTPRequest, _ match: RouteTable.Match, _ finish: @escaping @Sendable (HTTPResponse) -> HTTPResponse
    ) -> HTTPReply {
        let id = Self.requestID
        return .later(
            { deliver in
                Self.controlCalls.async {
                    switch Self.$requestID.withValue(id, operation: { self.guarded(request) { try self.call(match, request) } }) {
                    case .now(let answer): deliver(answer)
                    case .later(let start, let then): start { deliver(then($0)) }
                    case .hangUp: deliver(nil)
                    }
                }
            }, then: { $0.map(finish) })
    }

    /// A 400 naming the first parameter the endpoint does not take, and the ones it does.
    static func rejectUnknown(_ items: [QueryItem], known: [String]) throws(InputError) {
        if let unknown = items.first(where: { !known.contains($0.name) }) {
            let list = known.isEmpty ? "none" : known.joined(separator: ", ")
            throw .invalidParameter(unknown.name, "unknown parameter (known: \(list))")
        }
    }

    /// The endpoint for the request's method, called with the domain of the request's token where
    /// it acts in one; 405 with `Allow` when the path has none for the method (before the token is looked at).
    func call(_ match: RouteTable.Match, _ request: HTTPRequest) throws -> HTTPReply {
        guard let endpoint = match.endpoint(for: request.method) else {
            throw APIError.methodNotAllowed(request.method, allowed: match.allowedMethods)
        }
        if let known = endpoint.query { try Self.rejectUnknown(request.query, known: known) }
        let domain = endpoint.access.hasDomain ? try tokens.domain(authorization: request.headers["Authorization"]) : Job.rootDomain
        return try endpoint.handle(self, Call(request: request, parameters: match.parameters, family: match.family, domain: domain))
    }

    /// The one deferred reply: `submit` hands the work to the engine with a `finish`, which answers
    /// `status` with the JSON it gets, or the error's CM envelope under the request's id.
    func later(
        _ request: HTTPRequest, status: Int,
        _ submit: @escaping @Sendable (_ finish: @escaping @Sendable (Result<String, any Error>) -> Void) -> Void
    ) -> HTTPReply {
        let id = Self.requestID
        return .later { deliver in
            submit { result in
                switch result {
                case .success(let document): deliver(.json(status, document))
                case .failure(let error): deliver(Self.$requestID.withValue(id) { self.response(for: error, to: request) })
                }
            }
        }
    }

    /// A login: checked when the reply starts; a password grant's new session saved with the
    /// engine's group commit and answered after it, a refresh token answered at once (nothing to write).
    func login(_ call: Call) -> HTTPReply {
        let (tokens, engine, body) = (self.tokens, self.engine, call.body)
        return later(call.request, status: 200) { finish in
            do {
                let login = try tokens.checkLogin(body: body)
                guard login.isNew else { return finish(.success(login.response)) }
                engine.saveSession(login.session, createdAt: tokens.now(), response: login.response, finish: finish)
            } catch {
                finish(.failure(error))
            }
        }
    }

    /// The domain a CCKM or scheduler request acted in, for the journal: its token's (already
    /// checked and cached by then), root with login off; nil elsewhere or without a valid token.
    func journalDomain(_ request: HTTPRequest, _ match: RouteTable.Match?) -> String? {
        guard match?.access.hasDomain == true else { return nil }
        return try? tokens.domain(authorization: request.headers["Authorization"])
    }

    /// A `GET` of a CCKM path, from the response cache while no write changed the jobs of its
    /// family in its domain.
    func cached(_ call: Call, _ read: () throws -> HTTPResponse) throws -> HTTPReply {
        let (generations, family, domain) = (store.generations, call.family!, call.domain)
        return .now(
            try cache.response(
                for: Self.cacheKey(domain: domain, request: call.request), generation: { generations.current(family: family, domain: domain) },
                build: read))
    }

    /// A job, as `GET` asks.
    func job(_ call: Call) throws -> HTTPResponse {
        guard let document = try store.document(family: call.family!, domain: call.domain, id: call.id.lowercased()) else {
            throw APIError.notFound()
        }
        return .json(200, document)
    }

    /// Domain, path and the query exactly as sent.
    static func cacheKey(domain: String, request: HTTPRequest) -> String {
        var key = domain + "\u{0}" + request.path
        for item in request.query {
            key += "\u{0}" + item.name + "=" + (item.value ?? "\u{1}")
        }
        return key
    }

    func list(_ call: Call) throws -> HTTPResponse {
        let query = try ListQuery.parse(call.request.query, family: call.family!)
        let page = try store.list(family: call.family!, domain: call.domain, query: query)
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
