import CCKMCore
import CCKMEngine
import CCKMStore
import Dispatch
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
/// It builds none of its parts: `MockApplication.build` (in CCKMServer) makes them and hands them over.
public final class CCKMApp: HTTPResponder {
    /// Reads only: every write is the engine's.
    public let store: StoreReader
    public let engine: Engine
    /// Requests parked until a job reaches a status; told by the engine what changed.
    package let waiters: JobWaiters
    package let tokens: TokenService
    let journal: RequestJournal
    let faults: FaultRules
    /// Stubs in WireMock's format, offered every request outside the control API first.
    package let stubs: StubRegistry
    let cache: ResponseCache
    let edge: EdgeSettings
    let requestIDs: RequestIDs
    let randomness: Randomness
    let replies: Replies

    /// The handlers, in groups; each holds only what it needs. `Endpoints.swift` names a row's group.
    let jobs: JobHandlers
    let auth: AuthHandlers
    let scheduler: SchedulerHandlers
    let inventory: InventoryHandlers
    package let control: ControlHandlers
    let dashboard: DashboardHandlers

    package init(
        engine: Engine, tokens: TokenService, journal: RequestJournal, faults: FaultRules, stubs: StubRegistry, cache: ResponseCache,
        waiters: JobWaiters,
        replies: Replies, requestIDs: RequestIDs, randomness: Randomness, edge: EdgeSettings, jobs: JobHandlers, auth: AuthHandlers,
        scheduler: SchedulerHandlers, inventory: InventoryHandlers, control: ControlHandlers, dashboard: DashboardHandlers
    ) {
        store = engine.reader
        self.engine = engine
        self.tokens = tokens
        self.journal = journal
        self.faults = faults
        self.stubs = stubs
        self.cache = cache
        self.waiters = waiters
        self.replies = replies
        self.requestIDs = requestIDs
        self.randomness = randomness
        self.edge = edge
        self.jobs = jobs
        self.auth = auth
        self.scheduler = scheduler
        self.inventory = inventory
        self.control = control
        self.dashboard = dashboard
    }

    /// Control API requests are answered as they are; every other request is first offered to the
    /// fault rules, then answered and written to the journal. Every answer goes out with its
    /// `X-Request-ID` and an access log line, on the connection's thread.
    public func reply(to request: HTTPRequest) -> HTTPReply {
        let context = requestIDs.context()
        let reply = routed(request, context)
        if case .hangUp = reply { logAccess(request, nil, context) }
        return reply.map { self.identified($0, request, context) }
    }

    /// The response with its `X-Request-ID`, logged.
    func identified(_ response: HTTPResponse, _ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        logAccess(request, response, context)
        var response = response
        response.headers.add(name: "X-Request-ID", value: context.id)
        return response
    }

    func logAccess(_ request: HTTPRequest, _ response: HTTPResponse?, _ context: RequestContext) {
        let microseconds = (ContinuousClock.now - context.started).wholeMicroseconds
        edge.accessLog.record(
            request, status: response?.status ?? 0, bytes: response?.body.count ?? 0, microseconds: microseconds, requestID: context.id)
    }

    /// The answer when it is given before this returns (a start or a cancel in-process, where the
    /// group commit is a batch of one written at once); a reply that comes later (a wait, a delay)
    /// or hangs up is a 500 here, so tests of those use `reply(to:)`.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        switch reply(to: request) {
        case .now(let response):
            return response
        case .later(let start, let then):
            // A control call answers from another thread, soon; a wait or a delay may not come
            // within the bound, and is a 500 here (tests of those use `reply(to:)`).
            let delivered = Mutex<HTTPResponse??>(nil)
            let done = DispatchSemaphore(value: 0)
            start { response in
                delivered.withLock { $0 = .some(then(response)) }
                done.signal()
            }
            _ = done.wait(timeout: .now() + .seconds(60))
            if case .some(.some(let response)) = delivered.withLock({ $0 }) { return response }
            return replies.response(for: .internalError("This answer comes later or hangs up; call reply(to:)"), requestIDs.context())
        case .hangUp:
            return replies.response(for: .internalError("This answer comes later or hangs up; call reply(to:)"), requestIDs.context())
        }
    }
}
