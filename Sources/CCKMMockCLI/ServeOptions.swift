import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMServer
import CCKMStore
import HTTPServer
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The flags of `serve` and `demo`, one per row of `ServeSetting`, which holds each one's name,
/// variable, default, help and rule. Each is text here, so that a flag and its variable are read by
/// the same rule; `resolve` reads them and checks what rows cannot check alone.
public struct ServeOptions: ParsableArguments {
    @Option(ServeSetting.host) public var host: String?
    @Option(ServeSetting.port) public var port: String?
    @Option(ServeSetting.data) public var data: String?
    @Option(ServeSetting.fixtures) public var fixtures: [String] = []
    @Option(ServeSetting.mappings) public var mappings: [String] = []
    @Option(ServeSetting.logLevel) public var logLevel: String?
    @Option(ServeSetting.accessLog) public var accessLog: String?
    @Option(ServeSetting.threads) public var threads: String?
    @Option(ServeSetting.maxConnections) public var maxConnections: String?
    @Option(ServeSetting.perIPLimit) public var perIPLimit: String?
    @Option(ServeSetting.idleTimeout) public var idleTimeout: String?
    @Option(ServeSetting.requestTimeout) public var requestTimeout: String?
    @Option(ServeSetting.cacheSize) public var cacheSize: String?
    @Option(ServeSetting.adminToken) public var adminToken: String?
    @Option(ServeSetting.allowHost) public var allowHost: [String] = []
    @Option(ServeSetting.maxBody) public var maxBody: String?
    @Option(ServeSetting.clock) public var clock: String?
    @Option(ServeSetting.startTime) public var startTime: String?
    @Option(ServeSetting.seed) public var seed: String?
    @Option(ServeSetting.targetDuration) public var targetDuration: String?
    @Option(ServeSetting.failureRate) public var failureRate: String?
    @Option(ServeSetting.timeScale) public var timeScale: String?
    @Flag(ServeSetting.allowConcurrentJobs) public var allowConcurrentJobs = false
    @Option(ServeSetting.tls) public var tls: String?
    @Option(ServeSetting.tlsCert) public var tlsCert: String?
    @Option(ServeSetting.tlsKey) public var tlsKey: String?
    @Option(ServeSetting.tlsSan) public var tlsSan: [String] = []
    @Option(ServeSetting.auth) public var auth: String?
    @Option(ServeSetting.user) public var user: [String] = []
    @Option(ServeSetting.domain) public var domain: [String] = []
    @Option(ServeSetting.tokenTTL) public var tokenTTL: String?
    @Option(ServeSetting.journalSize) public var journalSize: String?
    @Option(ServeSetting.cmVersion) public var cmVersion: String?

    public init() {}

    /// Flags, then environment variables, then defaults; throws `ValidationError` naming the bad one.
    public func resolve(environment: Environment) throws -> ServeSettings {
        let level = try ServeSetting.logLevel.value(logLevel, in: environment)
        let http = HTTPServerConfiguration(
            host: try ServeSetting.host.value(host, in: environment), port: try ServeSetting.port.value(port, in: environment),
            threads: try ServeSetting.threads.given(threads, in: environment) ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))),
            connectionLimit: try ServeSetting.maxConnections.value(maxConnections, in: environment),
            perIPConnectionLimit: try ServeSetting.perIPLimit.value(perIPLimit, in: environment),
            idleTimeoutSeconds: try ServeSetting.idleTimeout.value(idleTimeout, in: environment),
            requestTimeoutSeconds: try ServeSetting.requestTimeout.value(requestTimeout, in: environment),
            maxBodyBytes: try ServeSetting.maxBody.value(maxBody, in: environment))
        let data = try ServeSetting.data.value(data, in: environment)
        let start = try ServeSetting.startTime.value(startTime, in: environment)
        let clock: ClockChoice =
            switch try ServeSetting.clock.value(clock, in: environment) {
            case .system: .system
            case .manual: .manual(start: start)
            }
        let simulator = SimulatorSettings(
            targetDuration: try ServeSetting.targetDuration.value(targetDuration, in: environment),
            failureRate: try ServeSetting.failureRate.value(failureRate, in: environment),
            timeScale: try ServeSetting.timeScale.value(timeScale, in: environment),
            allowConcurrentJobs: try ServeSetting.allowConcurrentJobs.isOn(allowConcurrentJobs, in: environment))
        var mock = MockConfiguration(
            http: http, store: data == ":memory:" ? .memory : .directory(data), fixtures: try ServeSetting.fixtures.values(fixtures, in: environment),
            simulator: simulator, clock: clock, seed: try ServeSetting.seed.given(seed, in: environment), auth: try authSettings(environment),
            tls: try tlsChoice(environment))
        mock.mappings = try ServeSetting.mappings.values(mappings, in: environment)
        mock.journalSize = try ServeSetting.journalSize.value(journalSize, in: environment)
        mock.cmVersion = try ServeSetting.cmVersion.value(cmVersion, in: environment)
        mock.cacheBytes = try ServeSetting.cacheSize.value(cacheSize, in: environment)
        mock.accessLog = try ServeSetting.accessLog.given(accessLog, in: environment) ?? (level <= .info ? .text : .off)
        mock.controlToken = try ServeSetting.adminToken.given(adminToken, in: environment)
        mock.allowedHosts = try ServeSetting.allowHost.values(allowHost, in: environment)
        return ServeSettings(mock: mock, logLevel: level)
    }

    private func tlsChoice(_ environment: Environment) throws -> TLSChoice {
        let mode = try ServeSetting.tls.value(tls, in: environment)
        let certificate = try ServeSetting.tlsCert.given(tlsCert, in: environment)
        let key = try ServeSetting.tlsKey.given(tlsKey, in: environment)
        switch (mode, certificate, key) {
        case (.off, nil, nil): return .off
        case (.off, _, _): throw ValidationError("--tls-cert and --tls-key need --tls on")
        case (.on, nil, nil): return .generated(extraNames: try ServeSetting.tlsSan.values(tlsSan, in: environment))
        case (.on, let certificate?, let key?): return .files(certificate: certificate, privateKey: key)
        case (.on, _, _): throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    private func authSettings(_ environment: Environment) throws -> AuthSettings {
        var users = ["admin": "admin"]
        for entry in try ServeSetting.user.values(user, in: environment) { users[entry.name] = entry.password }
        let domains = try ServeSetting.domain.values(domain, in: environment).filter { $0 != Job.rootDomain }.uniqued()
        return AuthSettings(
            enabled: try ServeSetting.auth.value(auth, in: environment) == .on, accounts: Accounts(users: users, domains: domains),
            tokenTTL: try ServeSetting.tokenTTL.value(tokenTTL, in: environment))
    }
}

/// `serve`'s options after flags, environment and defaults were applied.
public struct ServeSettings: Sendable {
    public var mock: MockConfiguration
    public var logLevel: Logger.Level
}
