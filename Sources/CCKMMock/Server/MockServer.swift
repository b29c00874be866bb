import HTTPServer
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Everything `serve` needs, already checked: how to listen, where to store, what to seed.
public struct MockConfiguration: Sendable {
    public var http: HTTPServerConfiguration
    public var store: StoreLocation
    public var fixtures: [String]
    public var simulator: SimulatorSettings
    public var clock: ClockChoice
    /// Seed of every random draw (ids, durations, outcomes); nil draws one from the system.
    public var seed: UInt64?

    public init(
        http: HTTPServerConfiguration = HTTPServerConfiguration(), store: StoreLocation = .memory, fixtures: [String] = [],
        simulator: SimulatorSettings = SimulatorSettings(), clock: ClockChoice = .system, seed: UInt64? = nil
    ) {
        self.http = http
        self.store = store
        self.fixtures = fixtures
        self.simulator = simulator
        self.clock = clock
        self.seed = seed
    }
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
public struct StartupError: Error, CustomStringConvertible {
    public var description: String
}

/// A running mock: the store opened, fixtures seeded, the HTTP server listening.
public final class MockServer: Sendable {
    public let configuration: MockConfiguration
    public let store: JobStore
    public let app: CCKMApp
    public let http: HTTPServer

    /// Opens the store, loads the fixtures, and starts serving; returns once requests are answered.
    public init(configuration: MockConfiguration, logger: Logger = Logger(label: "cckm-mock")) throws {
        self.configuration = configuration
        let fixture: Fixture
        do {
            fixture = try Fixture.load(paths: configuration.fixtures)
        } catch {
            throw StartupError(description: "invalid fixtures:\n" + error.description)
        }
        if case .directory(let path) = configuration.store {
            try Self.prepareDataDirectory(path)
        }
        do {
            store = try JobStore(location: configuration.store, readers: configuration.http.threads + 1)
        } catch {
            throw StartupError(description: "cannot open the job store in \(configuration.store.displayName): \(error)")
        }
        let app = CCKMApp(
            store: store, clock: configuration.clock.make(), settings: configuration.simulator, randomness: Randomness(seed: configuration.seed),
            logger: logger)
        do {
            // Seeded jobs in progress go on from now: their running targets get fresh durations.
            let now = app.simulator.clock.now()
            try store.replace(
                fixture.jobs.map { job in
                    fixture.held.contains(JobKey(family: job.family.name, id: job.id))
                        ? PlannedJob(job: job) : app.simulator.planner.resume(job, now: now)
                })
        } catch {
            throw StartupError(description: "cannot load the fixtures into \(configuration.store.displayName): \(error)")
        }
        self.app = app
        do {
            http = try HTTPServer(configuration: configuration.http, responder: app)
        } catch {
            throw StartupError(description: "\(error)")
        }
        logger.info(
            "serving", metadata: ["url": "\(url)", "store": "\(configuration.store.displayName)", "fixtureJobs": "\(fixture.jobs.count)"])
    }

    /// The base URL clients use, with the port actually bound.
    public var url: String {
        let host = configuration.http.host.contains(":") ? "[\(configuration.http.host)]" : configuration.http.host
        return "http://\(host):\(http.port)"
    }

    /// Stops accepting, finishes requests in flight, stops the threads. Idempotent.
    public func shutdown() {
        http.shutdown()
    }

    /// Makes sure `path` is a writable directory, creating it if missing.
    public static func prepareDataDirectory(_ path: String) throws {
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path) {
            guard attributes[.type] as? FileAttributeType == .typeDirectory else {
                throw StartupError(description: "data directory \(path) is a file, not a directory")
            }
            guard FileManager.default.isWritableFile(atPath: path) else {
                throw StartupError(description: "data directory \(path) is not writable")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StartupError(description: "cannot create data directory \(path): \(error.localizedDescription)")
        }
    }
}

extension StoreLocation {
    var displayName: String {
        switch self {
        case .memory: ":memory:"
        case .directory(let path): path
        }
    }
}
