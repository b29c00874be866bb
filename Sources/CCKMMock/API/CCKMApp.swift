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
public final class CCKMApp: HTTPResponder {
    /// Reads only: every write is the engine's.
    public let store: StoreReader
    public let engine: Engine
    /// Requests parked until a job reaches a status; told by the engine what changed.
    let waiters: JobWaiters
    let tokens: TokenService
    let journal: RequestJournal
    let faults = FaultRules()
    let cache: ResponseCache
    /// When set, every `/__admin` request must carry `Authorization: Bearer <adminToken>`.
    let adminToken: [UInt8]?
    let accessLog: AccessLog
    /// Which `Host` names are served (DNS rebinding).
    let hosts: HostPolicy
    let requestIDs: RequestIDs
    /// The id of the request being answered on this thread, for the log line of an unexpected error.
    @TaskLocal static var requestID: String?
    let randomness: Randomness
    let replies: Replies
    /// The CM release `GET /api/v1/system/info` names.
    let cmVersion: String

    /// The handlers, in groups; each holds only what it needs. `Endpoints.swift` names a row's group.
    let jobs: JobHandlers
    let auth: AuthHandlers
    let scheduler: SchedulerHandlers
    let control: ControlHandlers
    let dashboard: DashboardHandlers

    init(
        store: JobStore, clock: any SimulationClock = SystemClock(), settings: SimulatorSettings = SimulatorSettings(),
        randomness: Randomness = Randomness(), auth: AuthSettings = AuthSettings(enabled: false),
        signingKey: [UInt8] = Crypto.randomBytes(32), tokenClock: @escaping @Sendable () -> Int64 = TokenService.wallSeconds,
        journal: RequestJournal = RequestJournal(), fixture: Fixture = Fixture(jobs: []), batchWrites: Bool = false,
        cacheBytes: Int = ResponseCache.defaultBytes, adminToken: String? = nil, certificatePEM: String? = nil,
        accessLog: AccessLog = AccessLog(format: .off), hosts: HostPolicy = .anyHost, logger: Logger = Logger(label: "cckm-mock"),
        cmVersion: String = SystemInfo.defaultVersion
    ) throws {
        self.cmVersion = cmVersion
        self.hosts = hosts
        self.accessLog = accessLog
        self.store = store.reader
        let cache = ResponseCache(capacity: cacheBytes)
        self.cache = cache
        self.adminToken = adminToken.map { Array($0.utf8) }
        self.randomness = randomness
        let requestIDs = RequestIDs(seed: randomness.seed)
        self.requestIDs = requestIDs
        let replies = Replies(logger: logger, requestIDs: requestIDs)
        self.replies = replies
        let waiters = JobWaiters()
        self.waiters = waiters
        let engine = Engine(
            store: store, clock: clock, planner: JobPlanner(settings: settings, randomness: randomness), groupCommit: batchWrites,
            changed: { change in waiters.handle(change, store: store.reader) })
        self.engine = engine
        let tokens = try TokenService(settings: auth, key: signingKey, engine: engine, now: tokenClock)
        self.tokens = tokens
        self.journal = journal
        jobs = JobHandlers(store: store.reader, engine: engine, cache: cache, replies: replies)
        self.auth = AuthHandlers(tokens: tokens, engine: engine, replies: replies)
        scheduler = SchedulerHandlers(store: store.reader, engine: engine)
        control = ControlHandlers(
            store: store.reader, engine: engine, tokens: tokens, journal: journal, faults: faults, waiters: waiters, randomness: randomness,
            replies: replies, startupFixture: fixture)
        dashboard = DashboardHandlers(certificatePEM: certificatePEM)
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
        case .later(let start, let then):
            // The request id, the access log line: on the connection's thread, not the writer's.
            return .later(start, then: { then($0).map { self.identified($0, request, id: id, since: started) } })
        }
    }

    /// The response with its `X-Request-ID`, logged.
    func identified(_ response: HTTPResponse, _ request: HTTPRequest, id: String, since started: ContinuousClock.Instant) -> HTTPResponse {
        logAccess(request, response, id: id, since: started)
        var response = response
        response.headers.add(name: "X-Request-ID", value: id)
        return response
    }

    func logAccess(_ request: HTTPRequest, _ response: HTTPResponse?, id: String, since started: ContinuousClock.Instant) {
        let microseconds = (ContinuousClock.now - started).wholeMicroseconds
        accessLog.record(request, status: response?.status ?? 0, bytes: response?.body.count ?? 0, microseconds: microseconds, requestID: id)
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
            return replies.response(for: .internalError("This answer comes later or hangs up; call reply(to:)"))
        case .hangUp:
            return replies.response(for: .internalError("This answer comes later or hangs up; call reply(to:)"))
        }
    }
}
