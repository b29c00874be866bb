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
                replies.response(
                    for: .forbidden("The mock does not answer for the host \(String(request.headers["Host"]?.prefix(100) ?? "")); see --allow-host")))
        }
        let match = Self.routes.match(request.path)
        if let match, match.access.isAdmin {
            return replies.guarded(request) {
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
            return .now(replies.response(for: .forbidden(refusal + "; clients that are not browsers send no Origin")))
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
            return .now(self.replies.response(for: error))
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
        // The token is resolved once: for the handler's domain and for the journal's.
        let domain: Result<String, any Error>? =
            match?.access.hasDomain == true ? Result { try tokens.domain(authorization: request.headers["Authorization"]) } : nil
        let domainOfRequest = try? domain?.get()
        let journaled: @Sendable (HTTPResponse) -> HTTPResponse = { response in
            journal.record(request, status: response.status, domain: domainOfRequest, at: SystemClock().now())
            return response
        }
        // The scheduler's writes (a create, a PATCH, a DELETE, a run-now) wait for the engine: off
        // the event loops, as the control API's do.
        if let match, match.access == .scheduler, request.method != "GET", request.method != "HEAD" {
            return offTheLoops(request, match, domain: domain, journaled)
        }
        let reply = replies.guarded(request) {
            guard let match else { throw APIError.notFound("No resource at \(request.path)") }
            return try call(match, request, domain: domain)
        }
        switch reply {
        case .now(let answer): return .now(journaled(answer))
        case .later(let start, let then): return .later(start, then: { then($0).map(journaled) })
        case .hangUp: return .now(journaled(replies.response(for: .internalError())))
        }
    }

    /// The endpoint called on `controlCalls` instead of the event loop that read the request, its
    /// answer passed through `finish` (the journal, for CM's paths).
    func offTheLoops(
        _ request: HTTPRequest, _ match: RouteTable.Match, domain: Result<String, any Error>? = nil,
        _ finish: @escaping @Sendable (HTTPResponse) -> HTTPResponse
    ) -> HTTPReply {
        let id = Self.requestID
        return .later(
            { deliver in
                Self.controlCalls.async {
                    switch Self.$requestID.withValue(
                        id, operation: { self.replies.guarded(request) { try self.call(match, request, domain: domain) } })
                    {
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
    /// `domain`: the token's, when the caller resolved it already.
    func call(_ match: RouteTable.Match, _ request: HTTPRequest, domain resolved: Result<String, any Error>? = nil) throws -> HTTPReply {
        guard let endpoint = match.endpoint(for: request.method) else {
            throw APIError.methodNotAllowed(request.method, allowed: match.allowedMethods)
        }
        if let known = endpoint.query { try Self.rejectUnknown(request.query, known: known) }
        let domain =
            endpoint.access.hasDomain
            ? try (resolved ?? Result { try tokens.domain(authorization: request.headers["Authorization"]) }).get() : Job.rootDomain
        return try endpoint.handle(self, Call(request: request, parameters: match.parameters, family: match.family, domain: domain))
    }

    /// The domain a CCKM or scheduler request acted in, for the journal: its token's (already
    /// checked and cached by then), root with login off; nil elsewhere or without a valid token.
    func journalDomain(_ request: HTTPRequest, _ match: RouteTable.Match?) -> String? {
        guard match?.access.hasDomain == true else { return nil }
        return try? tokens.domain(authorization: request.headers["Authorization"])
    }
}
