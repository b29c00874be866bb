import CCKMCore
import CCKMEngine
import CCKMStore
import Logging
import ServiceLifecycle

/// Moves jobs along on the system clock: ticks every `interval` until graceful shutdown. Under a
/// manual clock there is nothing to do between advances, so it only waits.
public struct SimulatorService: Service {
    let engine: Engine
    let logger: Logger
    let interval: Duration

    public init(engine: Engine, logger: Logger, interval: Duration = .milliseconds(20)) {
        self.engine = engine
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        guard !engine.clock.isManual else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await engine.tickAwaited()
            } catch {
                logger.error("simulator tick failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
