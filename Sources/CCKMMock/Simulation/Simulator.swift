/// Jobs in motion: starts them, cancels them, and moves them along as the clock advances.
/// The rules live in `JobProgress` and `JobPlanner`; this type only sequences them with the store.
public final class Simulator: Sendable {
    public let store: JobStore
    public let clock: any SimulationClock
    public let planner: JobPlanner

    public init(store: JobStore, clock: any SimulationClock, planner: JobPlanner) {
        self.store = store
        self.clock = clock
        self.planner = planner
    }

    public var settings: SimulatorSettings { planner.settings }

    /// Validates the body, plans the job and stores it; returns its JSON (for the 201).
    public func start(family: JobFamily, domain: String, body: [UInt8]) throws -> String {
        let request = try StartRequest.parse(body: body, family: family)
        try tick()
        let planned = planner.plan(request, family: family, domain: domain, now: clock.now())
        return try store.start(planned, exclusive: !settings.allowConcurrentJobs)
    }

    /// Sets `abort`; the job stops `cancelDelay` later, unfinished targets cancelled.
    public func cancel(family: JobFamily, domain: String, id: String) throws -> String {
        try tick()
        let now = clock.now()
        let stopAt = now.adding(seconds: settings.scaled(settings.cancelDelay)).roundedToMicroseconds
        return try store.cancel(family: family, domain: domain, id: id, now: now, stopAt: stopAt)
    }

    /// Fires every transition due by the clock's now.
    @discardableResult
    public func tick() throws -> [JobEvent] {
        try store.advance(to: clock.now())
    }

    /// Moves a manual clock forward, firing what falls due on the way with the times it falls due.
    public func advance(seconds: Double) throws -> [JobEvent] {
        let target = clock.now().adding(seconds: seconds)
        try clock.advance(seconds: seconds)
        return try store.advance(to: target)
    }

    /// Runs every job in progress to its end. A manual clock moves to the last due time; under the
    /// system clock, what was due later ends now.
    public func settle() throws -> [JobEvent] {
        guard let last = try store.lastDueTime() else { return try tick() }
        if clock.isManual {
            try clock.advance(to: last)
        } else {
            try store.dueNoLaterThan(clock.now())
        }
        return try tick()
    }
}
