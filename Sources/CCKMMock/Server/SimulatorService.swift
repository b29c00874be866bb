import Logging
import ServiceLifecycle

/// Moves jobs along on the system clock: ticks every `interval` until graceful shutdown. Under a
/// manual clock there is nothing to do between advances, so it only waits.
public struct SimulatorService: Service {
    let simulator: Simulator
    let logger: Logger
    let interval: Duration

    public init(simulator: Simulator, logger: Logger, interval: Duration = .milliseconds(20)) {
        self.simulator = simulator
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        guard !simulator.clock.isManual else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try simulator.tick()
            } catch {
                logger.error("simulator tick failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
