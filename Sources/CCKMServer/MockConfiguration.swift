import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore
import HTTPServer

/// Everything `serve` needs, already checked: how to listen, where to store, what to seed.
public struct MockConfiguration: Sendable {
    public var http: HTTPServerConfiguration
    public var store: StoreLocation
    public var fixtures: [String]
    /// Folders in WireMock's layout (`mappings/`, `__files/`) whose stubs are served from the start.
    public var mappings: [String] = []
    public var simulator: SimulatorSettings
    public var clock: ClockChoice
    /// Seed of every random draw (ids, durations, outcomes); nil draws one from the system.
    public var seed: UInt64?
    public var auth: AuthSettings
    public var tls: TLSChoice
    /// Requests the journal keeps.
    public var journalSize = 10_000
    /// Bytes of GET answers the response cache keeps.
    public var cacheBytes = ResponseCache.defaultBytes
    /// When set, every `/__admin` call but the health check must send it as a bearer token.
    public var controlToken: String?
    /// One line per request on standard error, or none.
    public var accessLog: AccessLogFormat = .off
    /// The CM release `GET /api/v1/system/info` names.
    public var cmVersion = SystemInfo.defaultVersion
    /// `Host` names served besides loopback, IP literals, the bound address, the machine's name and
    /// the certificate's names (`--allow-host`); `*` serves every name.
    public var allowedHosts: [String] = []
    /// How the parts are made where a served mock's way does not suit: the tests' in-process app
    /// and a preparation. `serve` leaves it as it is.
    package var assembly = Assembly()

    public init(
        http: HTTPServerConfiguration = HTTPServerConfiguration(), store: StoreLocation = .memory, fixtures: [String] = [],
        simulator: SimulatorSettings = SimulatorSettings(), clock: ClockChoice = .system, seed: UInt64? = nil,
        auth: AuthSettings = AuthSettings(), tls: TLSChoice = .generated(extraNames: [])
    ) {
        self.auth = auth
        self.tls = tls
        self.http = http
        self.store = store
        self.fixtures = fixtures
        self.simulator = simulator
        self.clock = clock
        self.seed = seed
    }
}

/// What `MockApplication.build` takes from its caller instead of making it itself.
package struct Assembly: Sendable {
    /// A clock of the caller's instead of a new one of `clock`'s choice (a test that moves it).
    package var clock: (any SimulationClock)?
    /// The JWT signing key; nil: the data folder's (new for `:memory:`).
    package var signingKey: [UInt8]?
    /// Seconds on the tokens' clock (their `iat` and `exp`).
    package var tokenClock: @Sendable () -> Int64 = TokenService.wallSeconds
    /// Writes in batches on the writer (a server); off, each write is a batch of one written at
    /// once on the caller's thread, through the same code (the in-process app's tests).
    package var groupCommit = true
    /// Where the access log's lines go; nil: standard error, in `accessLog`'s format.
    package var accessLog: AccessLog?
    /// The `Host` names served; nil: from the bound address and `allowedHosts`.
    package var hosts: HostPolicy?
    /// Whether the data folder is held by this mock alone while it lives (a preparation's own
    /// new folder needs no lock, and two in-process apps open one store in turn).
    package var locksDataFolder = true
    /// Whether this start is counted on the store, and the seed derived from the count; a
    /// preparation is not a start.
    package var recordsStart = true
    /// A fixture given as a value (a test's), loaded after those `fixtures` names.
    package var fixture: Fixture?
    /// Whether the fixtures' scheduler configurations are stored (a preparation leaves them to
    /// each start, which plans them from its own time).
    package var storesSchedules = true

    package init() {}
}

/// How the server speaks TLS.
public enum TLSChoice: Sendable, Equatable {
    /// Plain HTTP.
    case off
    /// A self-signed certificate for localhost, 127.0.0.1, ::1 and these names, kept in the data directory.
    case generated(extraNames: [String])
    /// The user's own PEM files.
    case files(certificate: String, privateKey: String)
}

/// Which clock drives job times.
public enum ClockChoice: Sendable, Equatable {
    case system
    /// Stands at `start` until `/__admin/clock/advance` moves it.
    case manual(start: Timestamp)

    func make() -> any SimulationClock {
        switch self {
        case .system: SystemClock()
        case .manual(let start): ManualClock(start: start)
        }
    }
}

/// Why the mock did not start, in one line a person can act on.
