import ArgumentParser
import CCKMCore
import CCKMMock
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every setting of `serve` (and `demo`), one row each, in `--help`'s order: the flag, the variable,
/// the help, the default and the rule. `ServeOptions` declares a flag per row from it, `resolve`
/// reads each through it, and a test holds `docs/cli.md`'s table to it.
enum ServeSetting {
    static let host = Setting("host", "CCKM_MOCK_HOST", "Address to listen on.", fallback: .value("127.0.0.1"), .text)
    static let port = Setting(
        "port", "CCKM_MOCK_PORT", "Port to listen on; 0 picks a free one.", fallback: .value("8443"), .wholeNumber(0...65535))
    static let data = Setting(
        "data", "CCKM_MOCK_DATA",
        "Data directory for the job store (jobs.sqlite), created if missing; ':memory:' for a throwaway store.", valueName: "dir",
        fallback: .value("./.cckm-mock"), .text)
    static let fixtures = Setting(
        "fixtures", "CCKM_MOCK_FIXTURES", "Fixture file of jobs to seed at start, or a built-in scenario's name; repeat for several.",
        valueName: "file", kind: .repeatable,
        SettingRule(requirement: "a fixture file or a built-in scenario (built-in: \(BuiltInScenario.names))") { name in
            BuiltInScenario.resolving(name) != nil || FileManager.default.fileExists(atPath: name) ? name : nil
        })
    static let mappings = Setting(
        "mappings", "CCKM_MOCK_MAPPINGS",
        "A folder of WireMock stubs (DIR/mappings/*.json, DIR/__files/) served from the start; repeat for several.", valueName: "dir",
        kind: .repeatable,
        SettingRule(requirement: "a folder holding a mappings folder, as WireMock lays them out") { (path: String) -> String? in
            (try? FileManager.default.contentsOfDirectory(atPath: path + "/mappings")) != nil ? path : nil
        })
    static let logLevel = Setting<Logger.Level>(
        "log-level", "CCKM_MOCK_LOG_LEVEL", "Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level",
        fallback: .value("info"), .choice)
    static let accessLog = Setting<AccessLogFormat>(
        "access-log", "CCKM_MOCK_ACCESS_LOG",
        "One line per request on standard error: off, text or json (time, method, path without secrets, status, bytes, microseconds, request id).",
        valueName: "format", fallback: .described("text at --log-level info or below, off above"), .choice)
    static let threads = Setting(
        "threads", "CCKM_MOCK_THREADS", "Worker threads, each with its own epoll loop.", valueName: "n",
        fallback: .described("the number of cores"), .wholeNumber(1...256))
    static let maxConnections = Setting(
        "max-connections", "CCKM_MOCK_MAX_CONNECTIONS", "Connections open at once, all clients together.", valueName: "n",
        fallback: .value("4096"), .wholeNumber(1...1_000_000))
    // A local test suite opens hundreds of connections from 127.0.0.1; one client should still not be
    // able to take all 4,096.
    static let perIPLimit = Setting(
        "per-ip-limit", "CCKM_MOCK_PER_IP_LIMIT", "Connections open at once from one IP address; 0 for no limit.", valueName: "n",
        fallback: .value("1024"), .wholeNumber(0...1_000_000))
    static let idleTimeout = Setting(
        "idle-timeout", "CCKM_MOCK_IDLE_TIMEOUT", "Seconds before an idle connection is closed.", valueName: "seconds",
        fallback: .value("30"), .wholeNumber(1...86_400, "seconds"))
    static let requestTimeout = Setting(
        "request-timeout", "CCKM_MOCK_REQUEST_TIMEOUT",
        "Seconds a request's head and body may take to arrive in all, however slowly they trickle; the connection is closed after. 0 for no deadline.",
        valueName: "seconds", fallback: .value("10"), .wholeNumber(0...3_600, "seconds"))
    static let cacheSize = Setting(
        "cache-size", "CCKM_MOCK_CACHE_SIZE",
        "Bytes of GET answers kept for repeated reads (dropped on every write); 0 turns the cache off. Takes a K, M or G suffix.",
        valueName: "bytes", fallback: .value("32M"),
        SettingRule(requirement: "a number of bytes up to 4G, with an optional K, M or G suffix") { text in
            byteCount(text).flatMap { $0 <= 1 << 32 ? $0 : nil }
        })
    static let adminToken = Setting(
        "admin-token", "CCKM_MOCK_ADMIN_TOKEN",
        "A secret every /__admin call must send as Authorization: Bearer <token> (the health check, the dashboard page and the spec stay open).",
        valueName: "token", fallback: .described("none"),
        SettingRule(requirement: "1 to 4096 characters without spaces") { text in
            text.isEmpty || text.utf8.count > 4096 || text.contains(where: \.isWhitespace) ? nil : text
        })
    static let allowHost = Setting(
        "allow-host", "CCKM_MOCK_ALLOW_HOST",
        "Another Host name to answer for, besides loopback names, IP addresses, --host, this machine's name and --tls-san names; repeatable, '*' for any. Other names get 403 (DNS rebinding).",
        valueName: "name", kind: .repeatable,
        SettingRule(requirement: "a host name or '*'") { name in
            name.isEmpty || name.contains(where: { $0.isWhitespace || $0 == "/" }) ? nil : name
        })
    static let maxBody = Setting(
        "max-body", "CCKM_MOCK_MAX_BODY", "Largest request body accepted, in bytes; larger ones get 413.", valueName: "bytes",
        fallback: .value("1048576"),
        SettingRule(requirement: "between 1 byte and 1 GiB") { text in Int(text).flatMap { (1...(1 << 30)).contains($0) ? $0 : nil } })
    static let clock = Setting<ClockMode>(
        "clock", "CCKM_MOCK_CLOCK", "Clock for job times: system, or manual (moves only through /__admin/clock/advance).", fallback: .value("system"),
        .choice)
    static let startTime = Setting(
        "start-time", "CCKM_MOCK_START_TIME", "Where a manual clock starts, RFC 3339.", valueName: "time",
        fallback: .value(ManualClock.defaultStart.description),
        SettingRule(requirement: "an RFC 3339 time such as 2024-01-01T00:00:00Z") { Timestamp(rfc3339: $0) })
    static let seed = Setting(
        "seed", "CCKM_MOCK_SEED", "Seed for job ids, request ids, durations and outcomes: same seed, same answers.", valueName: "n",
        fallback: .described("random"), SettingRule(requirement: "a whole number from 0 to \(UInt64.max)") { UInt64($0) })
    static let targetDuration = Setting(
        "target-duration", "CCKM_MOCK_TARGET_DURATION", "Seconds a target takes: N, or MIN-MAX drawn uniformly.", valueName: "seconds",
        fallback: .value("2-6"),
        SettingRule(requirement: "N or MIN-MAX seconds with 0 <= MIN <= MAX <= 315576000 (10 years)") { durationRange($0) })
    static let failureRate = Setting(
        "failure-rate", "CCKM_MOCK_FAILURE_RATE", "Probability, 0 to 1, that a target fails.", valueName: "p", fallback: .value("0"),
        .number(0...1, "between 0 and 1"))
    static let timeScale = Setting(
        "time-scale", "CCKM_MOCK_TIME_SCALE", "Run simulated durations this many times faster, e.g. 10 for demos.", valueName: "x",
        fallback: .value("1"), .number(SimulatorSettings.timeScales, "from 0.001 to 10000"))
    static let allowConcurrentJobs = Setting(
        "allow-concurrent-jobs", "CCKM_MOCK_ALLOW_CONCURRENT_JOBS",
        "Let a second job of a family start while one is in progress (otherwise 409).", kind: .flag, fallback: .described("off"), .yesOrNo)
    static let tls = Setting<Switch>(
        "tls", "CCKM_MOCK_TLS", "HTTPS (on) or plain HTTP (off).", valueName: "on|off", fallback: .value("on"), .choice)
    static let tlsCert = Setting(
        "tls-cert", "CCKM_MOCK_TLS_CERT", "Your own certificate (PEM) instead of the generated one; needs --tls-key.", valueName: "file",
        fallback: .described("generated"), .text)
    static let tlsKey = Setting(
        "tls-key", "CCKM_MOCK_TLS_KEY", "The private key (PEM) of --tls-cert.", valueName: "file", fallback: .described("generated"), .text)
    static let tlsSan = Setting(
        "tls-san", "CCKM_MOCK_TLS_SAN", "Another host name or IP for the generated certificate, besides localhost, 127.0.0.1 and ::1; repeatable.",
        valueName: "name", kind: .repeatable, .text)
    static let auth = Setting<Switch>(
        "auth", "CCKM_MOCK_AUTH", "Bearer tokens required on /api/v1/cckm (on), or every request acts as the root domain (off).",
        valueName: "on|off", fallback: .value("on"), .choice)
    static let user = Setting<Credential>(
        "user", "CCKM_MOCK_USERS", "A user who may log in, besides admin:admin; repeatable.", valueName: "name:password", kind: .repeatable,
        SettingRule(requirement: "NAME:PASSWORD") { entry in
            guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else { return nil }
            return Credential(name: String(entry[..<colon]), password: String(entry[entry.index(after: colon)...]))
        })
    static let domain = Setting(
        "domain", "CCKM_MOCK_DOMAINS", "A domain (tenant) users may log in to, besides root; repeatable.", valueName: "name",
        kind: .repeatable, .text)
    static let tokenTTL = Setting(
        "token-ttl", "CCKM_MOCK_TOKEN_TTL", "Seconds a JWT lives.", valueName: "seconds", fallback: .value("300"),
        SettingRule(requirement: "a whole number of seconds, 1 or more") { Int($0).flatMap { $0 >= 1 ? $0 : nil } })
    static let journalSize = Setting(
        "journal-size", "CCKM_MOCK_JOURNAL_SIZE", "Requests the journal (/__admin/requests) keeps, oldest dropped first; 0 keeps none.",
        valueName: "n", fallback: .value("10000"), .wholeNumber(0...10_000_000))
    static let cmVersion = Setting(
        "cm-version", "CCKM_MOCK_CM_VERSION", "The CipherTrust Manager release GET /api/v1/system/info names, for clients that branch on it.",
        valueName: "version", fallback: .value(SystemInfo.defaultVersion),
        SettingRule(requirement: "a release such as 2.19.0") { text in
            text.isEmpty || !text.allSatisfy({ $0.isASCII && !$0.isWhitespace }) ? nil : text
        })

    /// Every row, for the help's and the docs' checks.
    static let all: [any SettingRow] = [
        host, port, data, fixtures, mappings, logLevel, accessLog, threads, maxConnections, perIPLimit, idleTimeout, requestTimeout, cacheSize,
        adminToken, allowHost, maxBody, clock, startTime, seed, targetDuration, failureRate, timeScale, allowConcurrentJobs, tls, tlsCert,
        tlsKey, tlsSan, auth, user, domain, tokenTTL, journalSize, cmVersion,
    ]

    /// `1048576`, `512K`, `32M`, `1G` (binary multiples).
    static func byteCount(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        let unit = text.last.flatMap { units[Character($0.uppercased())] }
        guard let number = Int(unit == nil ? text : String(text.dropLast())), number >= 0 else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit ?? 1)
        return overflow ? nil : bytes
    }
}

/// A `--user`: the password is everything after the first colon.
struct Credential: Sendable {
    let name: String
    let password: String
}

enum ClockMode: String, CaseIterable, Sendable {
    case system, manual
}

enum Switch: String, CaseIterable, Sendable {
    case on, off
}

/// A row of the table whatever its value's type.
protocol SettingRow: Sendable {
    var flag: String { get }
    var variable: String { get }
    var environmentNote: String { get }
    /// The default when it is a value (`8443`), not a description.
    var defaultValue: String? { get }
    /// Whether that value is one the rule reads.
    var defaultIsReadable: Bool { get }
    var help: ArgumentHelp { get }
}

extension Setting: SettingRow {
    var defaultValue: String? {
        guard case .value(let text) = fallback else { return nil }
        return text
    }

    var defaultIsReadable: Bool {
        guard case .value(let text) = fallback else { return true }
        return rule.parse(text) != nil
    }
}
