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

    func routed(_ request: HTTPRequest, _ context: RequestContext) -> HTTPReply {
        // Browsers ask for it when they open the dashboard; it is not the client's traffic.
        if request.path == "/favicon.ico" { return .now(HTTPResponse(status: 204)) }
        guard edge.hosts.allows(host: request.headers["Host"]) else {
            let host = String(request.headers["Host"]?.prefix(100) ?? "")
            return .now(replies.response(for: .forbidden("The mock does not answer for the host \(host); see --allow-host"), context))
        }
        let match = Self.routes.match(request.path)
        if let match, match.access.isControl {
            return replies.guarded(request, context) {
                if let refusal = HostPolicy.crossOriginRefusal(request) { throw APIError.forbidden(refusal) }
                try self.checkControlToken(request, access: match.access)
                // Reads answer at once; every other control call (an advance, a reset, a fixture
                // load, a snapshot) may take long, so it runs off libmicrohttpd's event loops: a
                // loop held by one would keep health and every connection it holds waiting.
                guard request.method != "GET", request.method != "HEAD" else { return try self.call(match, request, context) }
                return self.offTheLoops(request, match, context)
            }
        }
        // With login off no token stands between a web page and a state change: a page of another
        // origin must not start jobs or create configurations with a no-cors POST.
        if !tokens.settings.enabled, !["GET", "HEAD", "OPTIONS"].contains(request.method),
            let refusal = HostPolicy.crossOriginRefusal(request, who: "With login off (--auth off), the mock")
        {
            return .now(replies.response(for: .forbidden(refusal + "; clients that are not browsers send no Origin"), context))
        }
        guard let fault = faults.hit(request, family: match?.family?.name, randomness: randomness) else {
            return answer(request, match, context)
        }
        let delay = Duration.milliseconds(fault.latencyMilliseconds)
        let effect: @Sendable () -> HTTPReply = {
            if fault.dropConnection {
                // Journaled with status 0: the client did send it.
                self.journal.record(request, status: 0, domain: self.journalDomain(request, match), at: SystemClock().now())
                return .hangUp
            }
            guard let status = fault.status else { return self.answer(request, match, context) }
            let error = APIError(
                status: status, code: fault.code ?? 14, name: "NCERRFault", description: "Injected fault",
                message: fault.message ?? "Fault \(fault.id) injected by the mock")
            self.journal.record(request, status: status, domain: self.journalDomain(request, match), at: SystemClock().now())
            return .now(self.replies.response(for: error, context))
        }
        if fault.latencyMilliseconds == 0 { return effect() }
        return .later { deliver in
            Task {
                try? await Task.sleep(for: delay)
                effect().deliver(to: deliver)
            }
        }
    }

    /// With `--admin-token`, the control API answers only requests that carry it as a bearer token.
    /// The health check stays open (a container's probe has no secret to send), and so do the
    /// dashboard's page, the spec and the certificate, which hold none; the dashboard then asks for it.
    func checkControlToken(_ request: HTTPRequest, access: Access) throws(APIError) {
        guard let controlToken = edge.controlToken, access == .control else { return }
        let sent = request.headers["Authorization"].flatMap(TokenService.bearerToken).map { Array($0.utf8) } ?? []
        guard Crypto.constantTimeEquals(sent, controlToken) else {
            throw .unauthorized(
                sent.isEmpty ? "The control API needs Authorization: Bearer <admin token>" : "The admin token is wrong")
        }
    }

    /// A CCKM, scheduler or login request answered and journaled, a reply that comes later
    /// (a start, a cancel, a login after the engine's group commit) when it comes.
    func answer(_ request: HTTPRequest, _ match: RouteTable.Match?, _ context: RequestContext) -> HTTPReply {
        if let stub = stubs.answer(request, domain: { try? self.tokens.domain(authorization: request.headers["Authorization"]) }) {
            return stubbed(stub, request, context)
        }
        var context = context
        // The token is resolved once: for the handler's domain and for the journal's.
        if match?.access.hasDomain == true { context.domain = Result { try tokens.domain(authorization: request.headers["Authorization"]) } }
        let (journal, domain) = (self.journal, try? context.domain?.get())
        let unmatched = match == nil
        let journaled: @Sendable (HTTPResponse) -> HTTPResponse = { response in
            journal.record(request, status: response.status, domain: domain, at: SystemClock().now(), unmatched: unmatched)
            return response
        }
        // The scheduler's and the inventory's writes (a create, a PATCH, a DELETE, a run-now) wait for the engine: off
        // the event loops, as the control API's do.
        if let match, match.access == .resource, request.method != "GET", request.method != "HEAD" {
            return offTheLoops(request, match, context).map(journaled)
        }
        let reply = replies.guarded(request, context) {
            guard let match else { throw APIError.notFound("No resource at \(request.path)") }
            return try call(match, request, context)
        }
        if case .hangUp = reply { return .now(journaled(replies.response(for: .internalError(), context))) }
        return reply.map(journaled)
    }

    /// A stub's answer, journaled with its id. Under `/api/` (but for login) the bearer check
    /// applies first, as CM's own endpoints do, unless the stub's metadata turns it off.
    func stubbed(_ stub: StubMapping, _ request: HTTPRequest, _ context: RequestContext) -> HTTPReply {
        let checked = request.path.hasPrefix("/api/") && !request.path.hasPrefix("/api/v1/auth/") && !stub.skipsAuth
        let journal = self.journal
        do {
            let domain = checked ? try tokens.domain(authorization: request.headers["Authorization"]) : nil
            let response = stub.response
            if response.hangsUp {
                journal.record(request, status: 0, domain: domain, at: SystemClock().now(), stub: stub.id)
                return .hangUp
            }
            var headers = HTTPHeaders()
            for (name, value) in response.headers { headers.add(name: name, value: value) }
            let answer = HTTPResponse(status: response.status, headers: headers, body: response.body)
            journal.record(request, status: answer.status, domain: domain, at: SystemClock().now(), stub: stub.id)
            guard response.delayMilliseconds > 0 else { return .now(answer) }
            return .later { deliver in
                Task {
                    try? await Task.sleep(for: .milliseconds(response.delayMilliseconds))
                    HTTPReply.now(answer).deliver(to: deliver)
                }
            }
        } catch {
            let refused = replies.response(for: error, to: request, context)
            journal.record(request, status: refused.status, at: SystemClock().now(), stub: stub.id)
            return .now(refused)
        }
    }

    /// The endpoint called on `controlCalls` instead of the event loop that read the request.
    func offTheLoops(_ request: HTTPRequest, _ match: RouteTable.Match, _ context: RequestContext) -> HTTPReply {
        .later { deliver in
            Self.controlCalls.async {
                self.replies.guarded(request, context) { try self.call(match, request, context) }.deliver(to: deliver)
            }
        }
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
    /// The token's domain is the context's, when the caller resolved it already.
    func call(_ match: RouteTable.Match, _ request: HTTPRequest, _ context: RequestContext) throws -> HTTPReply {
        guard let endpoint = match.endpoint(for: request.method) else {
            throw APIError.methodNotAllowed(request.method, allowed: match.allowedMethods)
        }
        if let known = endpoint.query { try Self.rejectUnknown(request.query, known: known) }
        let domain =
            endpoint.access.hasDomain
            ? try (context.domain ?? Result { try tokens.domain(authorization: request.headers["Authorization"]) }).get() : Job.rootDomain
        return try endpoint.handle(
            self, Call(request: request, parameters: match.parameters, family: match.family, domain: domain, context: context))
    }

    /// The domain a CCKM or scheduler request acted in, for the journal: its token's (already
    /// checked and cached by then), root with login off; nil elsewhere or without a valid token.
    func journalDomain(_ request: HTTPRequest, _ match: RouteTable.Match?) -> String? {
        guard match?.access.hasDomain == true else { return nil }
        return try? tokens.domain(authorization: request.headers["Authorization"])
    }
}
