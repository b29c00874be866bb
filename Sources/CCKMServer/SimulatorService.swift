import CCKMCore
import CCKMEngine
import CCKMStore
import Logging
import ServiceLifecycle

/// Moves jobs along on the system clock until graceful shutdown: a tick, then a sleep until the next
/// due time (a target's end, a scheduler configuration's run) or the next commit, whichever comes
/// first, so that an idle server uses no CPU; `interval` is the shortest pause between two ticks.
/// Under a manual clock there is nothing to do between advances, so it only waits.
public struct SimulatorService: Service {
    let engine: Engine
    let logger: Logger
    let interval: Duration

    /// The longest sleep with nothing due: a time scale or a clock change is picked up within it.
    static let longestPause: Duration = .seconds(60)

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
            var pause = Self.longestPause
            do {
                try await engine.tickAwaited()
                // Read after the tick: a commit from now on wakes the sleep; what was committed
                // before is in the due time read next.
                let seen = engine.commits.commits
                if let next = try engine.nextDueTime() {
                    let nanoseconds = next.nanoseconds - engine.clock.now().nanoseconds
                    pause = min(pause, .nanoseconds(max(0, nanoseconds)))
                }
                try? await Task.sleep(for: interval)
                // A stop must not wait for the sleep to end (up to `longestPause`).
                let commits = engine.commits
                let limit = pause
                await cancelWhenGracefulShutdown { await commits.wait(after: seen, upTo: limit) }
            } catch {
                logger.error("simulator tick failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: interval)
            }
        }
    }
}
