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
    /// The certificate chain the server presents (PEM), served at `/__admin/tls/cert.pem`; nil over plain HTTP.
    let certificatePEM: String?
    let accessLog: AccessLog
    /// Which `Host` names are served (DNS rebinding).
    let hosts: HostPolicy
    let requestIDs: RequestIDs
    /// The id of the request being answered on this thread, for the log line of an unexpected error.
    @TaskLocal static var requestID: String?
    let randomness: Randomness
    let logger: Logger
    /// The fixtures named at start: what `reset?to=startup` goes back to, whatever was loaded since.
    let startupFixture: Fixture
    /// What `reset` goes back to: the start-up fixtures, unless a load declared itself the new
    /// baseline (`POST /__admin/fixtures?baseline=true`). A plain load changes the state only, so
    /// that nothing a test loads survives the next test's reset.
    let baseline: Mutex<Fixture>
    /// The CM release `GET /api/v1/system/info` names.
    let cmVersion: String

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
        self.certificatePEM = certificatePEM
        self.store = store.reader
        self.cache = ResponseCache(capacity: cacheBytes)
        self.adminToken = adminToken.map { Array($0.utf8) }
        self.randomness = randomness
        self.requestIDs = RequestIDs(seed: randomness.seed)
        let waiters = JobWaiters()
        self.waiters = waiters
        self.engine = Engine(
            store: store, clock: clock, planner: JobPlanner(settings: settings, randomness: randomness), groupCommit: batchWrites,
            changed: { change in waiters.handle(change, store: store.reader) })
        self.tokens = try TokenService(settings: auth, key: signingKey, engine: engine, now: tokenClock)
        self.journal = journal
        self.startupFixture = fixture
        self.baseline = Mutex(fixture)
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
            return response(for: .internalError("This answer comes later or hangs up; call reply(to:)"))
        case .hangUp:
            return response(for: .internalError("This answer comes later or hangs up; call reply(to:)"))
        }
    }
}
