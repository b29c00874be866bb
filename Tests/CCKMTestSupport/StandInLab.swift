import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMServer
import CCKMStore
import HTTPServer
import Logging

/// A mock standing in for a lab CM, for the lab tools' tests: a loopback port of its own, login
/// on (admin:admin), plain HTTP, in memory; on the manual clock, or with `runningJobs` on the
/// system clock with jobs of 50 ms and its simulator running, as `serve` runs it (the jobs tier
/// polls a job until it ends, as on a lab CM). Stops when `shutdown()` is called or it goes.
package final class StandInLab: Sendable {
    private let serving: ServingMock
    private let ticker: Task<Void, Never>?

    package var url: String { serving.url }
    /// The CM release a mock names when not told another.
    package static let cmVersion = SystemInfo.defaultVersion

    /// Login on with these users and domains, for a live server a lab test logs in to.
    package static func login(users: [String: String] = ["admin": "admin"], domains: [String] = []) -> AuthSettings {
        AuthSettings(enabled: true, accounts: Accounts(users: users, domains: domains))
    }

    package init(fixtures: [String] = ["docs-examples"], runningJobs: Bool = false) throws {
        var logger = Logger(label: "lab-stand-in")
        logger.logLevel = .error
        serving = try ServingMock.start(
            MockConfiguration(
                http: HTTPServerConfiguration(host: "127.0.0.1", port: 0), store: .memory, fixtures: fixtures,
                simulator: SimulatorSettings(targetDuration: 0.05...0.05, failureRate: 0),
                clock: runningJobs ? .system : .manual(start: Timestamp(rfc3339: "2026-01-01T00:00:00Z")!), tls: .off),
            logger: logger)
        let engine = serving.app.engine
        ticker = runningJobs ? Task { try? await SimulatorService(engine: engine, logger: logger).run() } : nil
    }

    deinit {
        shutdown()
    }

    /// How many scheduler configurations it holds, in every domain (what a write probe left behind).
    package func schedulerConfigurations() throws -> Int {
        try serving.store.scheduler.allSchedulerConfigs().count
    }

    package func shutdown() {
        ticker?.cancel()
        serving.shutdown()
    }
}
