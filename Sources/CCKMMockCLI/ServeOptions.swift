import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMServer
import CCKMStore
import HTTPServer
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

public struct ServeOptions: ParsableArguments {
    @Option(help: "Address to listen on. (env: CCKM_MOCK_HOST; default: 127.0.0.1)")
    public var host: String?

    @Option(help: "Port to listen on; 0 picks a free one. (env: CCKM_MOCK_PORT; default: 8443)")
    public var port: Int?

    @Option(
        help: ArgumentHelp(
            "Data directory for the job store (jobs.sqlite), created if missing; ':memory:' for a throwaway store. (env: CCKM_MOCK_DATA; default: ./.cckm-mock)",
            valueName: "dir"))
    public var data: String?

    @Option(
        name: .customLong("fixtures"),
        help: ArgumentHelp(
            "Fixture file of jobs to seed at start; repeat for several. (env: CCKM_MOCK_FIXTURES, comma-separated)", valueName: "file"))
    public var fixtures: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical. (env: CCKM_MOCK_LOG_LEVEL; default: info)")
    public var logLevel: String?

    @Option(
        help: ArgumentHelp(
            "One line per request on standard error: off, text or json (time, method, path without secrets, status, bytes, microseconds, request id). (env: CCKM_MOCK_ACCESS_LOG; default: text at --log-level info or below, off above)",
            valueName: "format"))
    public var accessLog: String?

    @Option(help: "Worker threads, each with its own epoll loop. (env: CCKM_MOCK_THREADS; default: the number of cores)")
    public var threads: Int?

    @Option(help: "Connections open at once, all clients together. (env: CCKM_MOCK_MAX_CONNECTIONS; default: 4096)")
    public var maxConnections: Int?

    @Option(
        name: .customLong("per-ip-limit"),
        help: "Connections open at once from one IP address; 0 for no limit. (env: CCKM_MOCK_PER_IP_LIMIT; default: 1024)")
    public var perIPLimit: Int?

    @Option(help: "Seconds before an idle connection is closed. (env: CCKM_MOCK_IDLE_TIMEOUT; default: 30)")
    public var idleTimeout: Int?

    @Option(
        help: ArgumentHelp(
            "Seconds a request's head and body may take to arrive in all, however slowly they trickle; the connection is closed after. 0 for no deadline. (env: CCKM_MOCK_REQUEST_TIMEOUT; default: 10)",
            valueName: "seconds"))
    public var requestTimeout: Int?

    @Option(
        help: ArgumentHelp(
            "Bytes of GET answers kept for repeated reads (dropped on every write); 0 turns the cache off. Takes a K, M or G suffix. (env: CCKM_MOCK_CACHE_SIZE; default: 32M)",
            valueName: "bytes"))
    public var cacheSize: String?

    @Option(
        help: ArgumentHelp(
            "A secret every /__admin call must send as Authorization: Bearer <token> (the health check, the dashboard page and the spec stay open). (env: CCKM_MOCK_ADMIN_TOKEN; default: none)",
            valueName: "token"))
    public var adminToken: String?

    @Option(
        help: ArgumentHelp(
            "Another Host name to answer for, besides loopback names, IP addresses, --host, this machine's name and --tls-san names; repeatable, '*' for any. Other names get 403 (DNS rebinding). (env: CCKM_MOCK_ALLOW_HOST, comma-separated)",
            valueName: "name"))
    public var allowHost: [String] = []

    @Option(help: "Largest request body accepted, in bytes; larger ones get 413. (env: CCKM_MOCK_MAX_BODY; default: 1048576)")
    public var maxBody: Int?

    @Option(help: "Clock for job times: system, or manual (moves only through /__admin/clock/advance). (env: CCKM_MOCK_CLOCK; default: system)")
    public var clock: String?

    @Option(
        help: ArgumentHelp(
            "Where a manual clock starts, RFC 3339. (env: CCKM_MOCK_START_TIME; default: 2020-11-05T06:38:25.308834Z)", valueName: "time"))
    public var startTime: String?

    @Option(help: "Seed for job ids, request ids, durations and outcomes: same seed, same answers. (env: CCKM_MOCK_SEED; default: random)")
    public var seed: UInt64?

    @Option(
        help: ArgumentHelp(
            "Seconds a target takes: N, or MIN-MAX drawn uniformly. (env: CCKM_MOCK_TARGET_DURATION; default: 2-6)", valueName: "seconds"))
    public var targetDuration: String?

    @Option(help: "Probability, 0 to 1, that a target fails. (env: CCKM_MOCK_FAILURE_RATE; default: 0)")
    public var failureRate: Double?

    @Option(help: "Run simulated durations this many times faster, e.g. 10 for demos. (env: CCKM_MOCK_TIME_SCALE; default: 1)")
    public var timeScale: Double?

    @Flag(help: "Let a second job of a family start while one is in progress (default: 409). (env: CCKM_MOCK_ALLOW_CONCURRENT_JOBS=1)")
    public var allowConcurrentJobs = false

    @Option(help: "HTTPS (on) or plain HTTP (off). (env: CCKM_MOCK_TLS; default: on)")
    public var tls: String?

    @Option(
        help: ArgumentHelp(
            "Your own certificate (PEM) instead of the generated one; needs --tls-key. (env: CCKM_MOCK_TLS_CERT)", valueName: "file"))
    public var tlsCert: String?

    @Option(help: ArgumentHelp("The private key (PEM) of --tls-cert. (env: CCKM_MOCK_TLS_KEY)", valueName: "file"))
    public var tlsKey: String?

    @Option(
        help: ArgumentHelp(
            "Another host name or IP for the generated certificate, besides localhost, 127.0.0.1 and ::1; repeatable. (env: CCKM_MOCK_TLS_SAN, comma-separated)",
            valueName: "name"))
    public var tlsSan: [String] = []

    @Option(help: "Bearer tokens required on /api/v1/cckm (on), or every request acts as the root domain (off). (env: CCKM_MOCK_AUTH; default: on)")
    public var auth: String?

    @Option(
        help: ArgumentHelp(
            "A user who may log in, besides admin:admin; repeatable. (env: CCKM_MOCK_USERS, comma-separated)", valueName: "name:password"))
    public var user: [String] = []

    @Option(
        help: ArgumentHelp(
            "A domain (tenant) users may log in to, besides root; repeatable. (env: CCKM_MOCK_DOMAINS, comma-separated)", valueName: "name"))
    public var domain: [String] = []

    @Option(help: "Seconds a JWT lives. (env: CCKM_MOCK_TOKEN_TTL; default: 300)")
    public var tokenTTL: Int?

    @Option(help: "Requests the journal (/__admin/requests) keeps, oldest dropped first; 0 keeps none. (env: CCKM_MOCK_JOURNAL_SIZE; default: 10000)")
    public var journalSize: Int?

    @Option(
        help: ArgumentHelp(
            "The CipherTrust Manager release GET /api/v1/system/info names, for clients that branch on it. (env: CCKM_MOCK_CM_VERSION; default: \(SystemInfo.defaultVersion))",
            valueName: "version"))
    public var cmVersion: String?

    public init() {}

    /// Flags, then environment variables, then defaults; throws `ValidationError` naming the bad one.
    public func resolve(environment: Environment) throws -> ServeSettings {
        func value<T>(_ flag: T?, _ variable: String, _ parse: (String) -> T?, _ fallback: T) throws -> T {
            if let flag { return flag }
            guard let text = environment[variable] else { return fallback }
            guard let parsed = parse(text) else { throw ValidationError("\(variable)=\(text) is not a valid value") }
            return parsed
        }
        let host = try value(host, "CCKM_MOCK_HOST", { $0.isEmpty ? nil : $0 }, "127.0.0.1")
        let port = try value(port, "CCKM_MOCK_PORT", { Int($0) }, 8443)
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        let data = try value(data, "CCKM_MOCK_DATA", { $0.isEmpty ? nil : $0 }, "./.cckm-mock")
        let fixtures =
            fixtures.isEmpty ? (environment["CCKM_MOCK_FIXTURES"] ?? "").split(separator: ",").map(String.init) : fixtures
        for fixture in fixtures where BuiltInScenario.resolving(fixture) == nil && !FileManager.default.fileExists(atPath: fixture) {
            throw ValidationError("--fixtures \(fixture): no such file, nor a built-in scenario (built-in: \(BuiltInScenario.names))")
        }
        let levelName = try value(logLevel, "CCKM_MOCK_LOG_LEVEL", { $0 }, "info")
        guard let level = Logger.Level(rawValue: levelName.lowercased()) else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \(levelName)")
        }
        let threads = try value(threads, "CCKM_MOCK_THREADS", { Int($0) }, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let maxConnections = try value(maxConnections, "CCKM_MOCK_MAX_CONNECTIONS", { Int($0) }, 4096)
        // A local test suite opens hundreds of connections from 127.0.0.1; one client should still not
        // be able to take all 4,096.
        let perIP = try value(perIPLimit, "CCKM_MOCK_PER_IP_LIMIT", { Int($0) }, 1024)
        let idle = try value(idleTimeout, "CCKM_MOCK_IDLE_TIMEOUT", { Int($0) }, 30)
        let requestTimeout = try value(requestTimeout, "CCKM_MOCK_REQUEST_TIMEOUT", { Int($0) }, 10)
        let maxBody = try value(maxBody, "CCKM_MOCK_MAX_BODY", { Int($0) }, 1 << 20)
        let cacheText = try value(cacheSize, "CCKM_MOCK_CACHE_SIZE", { $0 }, "32M")
        guard let cacheBytes = Self.byteCount(cacheText), cacheBytes <= 1 << 32 else {
            throw ValidationError("--cache-size must be a number of bytes up to 4G, with an optional K, M or G suffix, got \(cacheText)")
        }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256, got \(threads)") }
        guard (1...1_000_000).contains(maxConnections) else {
            throw ValidationError("--max-connections must be between 1 and 1000000, got \(maxConnections)")
        }
        guard (0...1_000_000).contains(perIP) else { throw ValidationError("--per-ip-limit must be between 0 and 1000000, got \(perIP)") }
        guard (1...86_400).contains(idle) else { throw ValidationError("--idle-timeout must be between 1 and 86400 seconds, got \(idle)") }
        guard (0...3_600).contains(requestTimeout) else {
            throw ValidationError("--request-timeout must be between 0 and 3600 seconds, got \(requestTimeout)")
        }
        guard (1...(1 << 30)).contains(maxBody) else { throw ValidationError("--max-body must be between 1 byte and 1 GiB, got \(maxBody)") }
        let adminToken = adminToken ?? environment["CCKM_MOCK_ADMIN_TOKEN"]
        if let adminToken, adminToken.isEmpty || adminToken.utf8.count > 4096 || adminToken.contains(where: { $0.isWhitespace }) {
            throw ValidationError("--admin-token must be 1 to 4096 characters without spaces")
        }
        let simulator = try simulatorSettings(environment: environment, value: value)
        let clockName = try value(clock, "CCKM_MOCK_CLOCK", { $0 }, "system")
        let startText = try value(startTime, "CCKM_MOCK_START_TIME", { $0 }, ManualClock.defaultStart.description)
        guard let start = Timestamp(rfc3339: startText) else {
            throw ValidationError("--start-time must be an RFC 3339 time such as 2024-01-01T00:00:00Z, got \(startText)")
        }
        let clockChoice: ClockChoice
        switch clockName {
        case "system": clockChoice = .system
        case "manual": clockChoice = .manual(start: start)
        default: throw ValidationError("--clock must be system or manual, got \(clockName)")
        }
        let seed = try value(seed.map(Optional.some), "CCKM_MOCK_SEED", { UInt64($0).map(Optional.some) }, nil)
        let tlsChoice = try tlsChoice(environment: environment, value: value)
        let journal = try value(journalSize, "CCKM_MOCK_JOURNAL_SIZE", { Int($0) }, 10_000)
        guard (0...10_000_000).contains(journal) else { throw ValidationError("--journal-size must be between 0 and 10000000, got \(journal)") }
        let authSettings = try authSettings(environment: environment, value: value)
        let http = HTTPServerConfiguration(
            host: host, port: port, threads: threads, connectionLimit: maxConnections, perIPConnectionLimit: perIP,
            idleTimeoutSeconds: idle, requestTimeoutSeconds: requestTimeout, maxBodyBytes: maxBody)
        var mock = MockConfiguration(
            http: http, store: data == ":memory:" ? .memory : .directory(data), fixtures: fixtures, simulator: simulator, clock: clockChoice,
            seed: seed, auth: authSettings, tls: tlsChoice)
        mock.journalSize = journal
        mock.cmVersion = try value(cmVersion, "CCKM_MOCK_CM_VERSION", { $0 }, SystemInfo.defaultVersion)
        guard !mock.cmVersion.isEmpty, mock.cmVersion.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ValidationError("--cm-version must be a release such as 2.19.0, got \"\(mock.cmVersion)\"")
        }
        mock.cacheBytes = cacheBytes
        let accessLogText = try value(accessLog, "CCKM_MOCK_ACCESS_LOG", { $0 }, level <= .info ? "text" : "off")
        guard let accessLogFormat = AccessLogFormat(rawValue: accessLogText.lowercased()) else {
            throw ValidationError("--access-log must be off, text or json, got \(accessLogText)")
        }
        mock.accessLog = accessLogFormat
        mock.controlToken = adminToken
        mock.allowedHosts = allowHost.isEmpty ? Self.list(environment["CCKM_MOCK_ALLOW_HOST"]) : allowHost
        if let bad = mock.allowedHosts.first(where: { $0.isEmpty || $0.contains(where: { $0.isWhitespace || $0 == "/" }) }) {
            throw ValidationError("--allow-host must be a host name or '*', got \"\(bad)\"")
        }
        return ServeSettings(mock: mock, logLevel: level)
    }
}

/// `serve`'s options after flags, environment and defaults were applied.
public struct ServeSettings: Sendable {
    public var mock: MockConfiguration
    public var logLevel: Logger.Level
}
