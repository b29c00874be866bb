import CCKMCore
import CCKMEngine
import CCKMMock
import Dispatch
import Logging
import ServiceLifecycle

/// Why the mock did not start, in one line a person can act on.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String
    /// The fixtures' problems, one a line, when that is why.
    public var fixtureProblems: [String] = []

    init(description: String) {
        self.description = description
    }

    init(invalidFixtures error: FixtureError) {
        description = "invalid fixtures:\n" + error.description
        fixtureProblems = error.problems
    }
}

/// The mock as a service: `run()` builds it (a graceful shutdown during the load cancels the
/// load), listens, runs the simulator and any companions beside it, and on graceful shutdown
/// stops serving. Run in a `ServiceGroup`, the group owns the stop signals from the first instant:
/// a signal during a load of a million jobs stops it as one while serving does.
public struct MockServer: Service {
    let configuration: MockConfiguration
    let logger: Logger
    let progress: LoadProgress
    /// Runs once the mock listens, before any companion: what tells a harness it may connect.
    let listening: @Sendable (ServingMock) -> Void
    /// What runs beside the served mock until the stop, besides the simulator (`demo`'s client).
    let companions: @Sendable (ServingMock) -> [any Service]

    public init(
        configuration: MockConfiguration, logger: Logger, progress: LoadProgress = LoadProgress { _ in },
        listening: @escaping @Sendable (ServingMock) -> Void = { _ in },
        companions: @escaping @Sendable (ServingMock) -> [any Service] = { _ in [] }
    ) {
        self.configuration = configuration
        self.logger = logger
        self.progress = progress
        self.listening = listening
        self.companions = companions
    }

    /// Throws `LoadCancelled` when a stop came during the load, `StartupError` when the mock cannot start.
    public func run() async throws {
        let (configuration, logger, progress) = (self.configuration, self.logger, self.progress)
        let application = try await withGracefulShutdownHandler {
            try await Self.offThePool { try MockApplication.build(configuration, logger: logger, progress: progress) }
        } onGracefulShutdown: {
            progress.cancel()
        }
        // A stop that came during the load's last statement: nothing is served.
        guard !Task.isShuttingDownGracefully else {
            application.close()
            throw LoadCancelled()
        }
        let serving = try application.listen()
        listening(serving)
        let services: [any Service] = [SimulatorService(engine: application.engine, logger: logger)] + companions(serving)
        await withDiscardingTaskGroup { group in
            for service in services {
                group.addTask {
                    do {
                        try await service.run()
                    } catch {
                        logger.error("a service beside the mock failed", metadata: ["service": "\(type(of: service))", "error": "\(error)"])
                    }
                }
            }
        }
        serving.shutdown()
    }

    /// `body` on a thread of its own: a load of minutes must not hold one of the cooperative pool's few.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
