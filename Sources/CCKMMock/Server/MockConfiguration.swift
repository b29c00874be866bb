import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// Everything `serve` needs, already checked: how to listen, where to store, what to seed.
public struct MockConfiguration: Sendable {
    public var http: HTTPServerConfiguration
    public var store: StoreLocation
    public var fixtures: [String]
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
    public var adminToken: String?
    /// One line per request on standard error, or none.
    public var accessLog: AccessLogFormat = .off
    /// The CM release `GET /api/v1/system/info` names.
    public var cmVersion = SystemInfo.defaultVersion
    /// `Host` names served besides loopback, IP literals, the bound address, the machine's name and
    /// the certificate's names (`--allow-host`); `*` serves every name.
    public var allowedHosts: [String] = []

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
