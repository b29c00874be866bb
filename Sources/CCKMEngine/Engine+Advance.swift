import CCKMCore
import CCKMStore
import Dispatch
import GRDB

/// The moves of the clock: the tick, an advance of the manual clock, a settle, a forced end and
/// run-now, all through the one advance (`advanceStore`), which runs every scheduler configuration
/// that falls due at its due time, after the transitions due before it: a week of schedules under
/// the manual clock runs in order in one advance.
extension Engine {
    /// Fires every transition due by the clock's now.
    @discardableResult
    package func tick() throws -> [JobEvent] {
        try oneAtATime { try tickUnserialized() }
    }

    /// The tick for a caller on Swift's cooperative pool (the simulator service): run on the
    /// engine's own queue, whose thread may wait for the writer, and awaited, so that no pool
    /// thread is held while SQLite works.
    @discardableResult
    package func tickAwaited() async throws -> [JobEvent] {
        try await withCheckedThrowingContinuation { continuation in
            Self.moves.async { continuation.resume(with: Result { try self.tick() }) }
        }
    }

    /// When something is next due, a job's target or a scheduler configuration; nil when nothing is.
    package func nextDueTime() throws -> Timestamp? {
        let jobs = try store.nextDueTime()
        let runs = try store.scheduler.nextSchedulerRun()
        return [jobs, runs].compactMap { $0 }.min()
    }

    /// Where awaited moves run: a thread of their own, off the cooperative pool.
    private static let moves = DispatchQueue(label: "cckm-mock.engine.moves")

    package func tickUnserialized() throws -> [JobEvent] {
        let events = try advanceStore(to: clock.now())
        tell(events)
        return events
    }

    /// Everything due by now, in one transaction (no chunks): what a start-up runs after its
    /// fixtures load, before it answers. The ticks' chunks keep a served store responsive; here no
    /// one waits yet, and what fell due during a long load would otherwise keep the ticks busy
    /// after healthy, with starts and logins slowed meanwhile.
    /// Returns how many jobs it ended, for the start-up's log.
    @discardableResult
    package func catchUp() throws -> Int {
        try oneAtATime {
            let events = try advanceStore(to: clock.now(), chunk: -1)
            tell(events)
            return events.count { $0.target == nil && JobStatus(rawValue: $0.to).map { $0 != .inProgress } ?? false }
        }
    }

    /// Moves a manual clock forward, firing what falls due on the way with the times it falls due.
    /// The clock moves only once the store has: a failed write (a full disk) leaves it where it was,
    /// so that a retry does not advance twice.
    package func advance(seconds: Double) throws -> [JobEvent] {
        try oneAtATime { try move(to: try clock.target(advancingBy: seconds)) }
    }

    private func move(to target: Timestamp) throws -> [JobEvent] {
        guard target <= Timestamp.latestClockTime else { try clock.advance(to: target); return [] }  // throws: past the end
        let events = try advanceStore(to: target)
        try clock.advance(to: target)
        tell(events)
        return events
    }

    /// Ends the job's running targets (or one) now, well or with a failure; `message` replaces the
    /// family's usual words.
    package func force(family: JobFamily, id: String, target: String?, fail: Bool, message: String?) throws -> [JobEvent] {
        try oneAtATime {
            let (store, now) = (self.store, clock.now())
            try inTransaction { db in
                try store.force(
                    family: family, id: id, target: target, outcome: fail ? .fails : .succeeds,
                    message: { message ?? (fail ? family.failureMessage(target: $0) : family.successMessage) }, at: now, db)
            }
            return try tickUnserialized()
        }
    }

    /// Runs every job in progress to its end. A manual clock moves to the last due time; under the
    /// system clock, what was due later ends now.
    package func settle() throws -> [JobEvent] {
        try oneAtATime {
            guard let last = try store.lastDueTime() else { return try tickUnserialized() }
            if clock.isManual { return try move(to: max(last, clock.now())) }
            let (store, now) = (self.store, clock.now())
            try inTransaction { db in try store.dueNoLaterThan(now, db) }
            return try tickUnserialized()
        }
    }

    /// `POST /api/v1/scheduler/job-configs/{id}/run-now`: the run happens now on the engine's
    /// clock, after what fell due before, exactly as a due time would run it; the schedule stays.
    /// Nil when the domain has no such configuration.
    package func runNow(configID: String, domain: String) throws -> SchedulerRun? {
        try oneAtATime {
            _ = try tickUnserialized()
            guard let config = try store.scheduler.schedulerConfig(id: configID, domain: domain) else { return nil }
            let now = clock.now()
            let id = try inTransaction { db in try run(config, at: now, trigger: .runNow, db) }
            return try store.scheduler.schedulerRun(id: id, domain: domain)
        }
    }

    /// The one advance: moves the store to `target`, in chunks of `chunk` targets (-1: all in one),
    /// each a transaction of its own on the writer, running every configuration due on the way at
    /// its due time. When a step fails, the listener hears of what the earlier steps committed
    /// before the error goes up (nothing else would wake their waiters).
    /// `body` in a transaction on the writer, then a manual clock moved to the time `moved` names
    /// (what the transaction ended or started happened then), before the writer takes its next
    /// command: a start in the batch after this commit is stamped no earlier than the ends this
    /// one committed. (The clock moved once the whole advance was stored, and a start that came
    /// between two of its transactions was created before its predecessor completed.)
    private func inTransactionMovingClock<T>(to moved: (T) -> Timestamp?, _ body: (Database) throws -> T) throws -> T {
        try onWriter { db in
            let done = try store.transaction(db, body)
            if clock.isManual, let time = moved(done) { try clock.advance(to: time) }
            return done
        }
    }

    package func advanceStore(to target: Timestamp, chunk: Int = JobStore.advanceChunk) throws -> [JobEvent] {
        var events: [JobEvent] = []
        var runs = 0
        do {
            while let due = try store.scheduler.nextSchedulerRun(), due <= target {
                try advanceJobs(to: due, chunk: chunk, into: &events)
                runs += try inTransactionMovingClock(to: { _ in due }) { db in
                    var ran = 0
                    for config in try store.scheduler.schedulerConfigsDue(by: due, db) {
                        if runs + ran >= settings.maxSchedulerRunsPerAdvance {
                            try skipAhead(config, past: target, db)
                        } else {
                            try run(config, at: config.nextDue ?? due, db)
                            ran += 1
                        }
                    }
                    return ran
                }
            }
            try advanceJobs(to: target, chunk: chunk, into: &events)
        } catch {
            tell(events)
            throw error
        }
        return events
    }

    /// Ends every target due by `time`, `chunk` at a time, adding each committed chunk's events to
    /// `events` as it goes: when a later chunk fails (a full disk) the caller still has them. A
    /// tick with nothing due (most of them) costs a read, not a write.
    private func advanceJobs(to time: Timestamp, chunk: Int, into events: inout [JobEvent]) throws {
        guard try store.hasDue(by: time) else { return }
        let inventory = planner.currentRules.inventory
        var more = true
        while more {
            let step = try inTransactionMovingClock(to: { $0.events.map(\.at).max() }) { db in
                try store.advance(to: time, limit: chunk, db, inventory: inventory)
            }
            events += step.events
            more = step.more
        }
    }

    /// One run of `config` at `due`, in the caller's transaction: a synchronization planned and
    /// started as a `POST` would start it, any other operation recorded as done. Returns the run's id.
    @discardableResult
    private func run(_ config: StoredSchedulerConfig, at due: Timestamp, trigger: SchedulerRun.Trigger = .schedule, _ db: Database) throws
        -> String
    {
        let parsed = try SchedulerConfig(document: config.document)
        // The clock runs no disabled configuration (run-now may, as CM's does).
        if trigger == .schedule, parsed.disabled {
            try store.scheduler.setNextSchedulerRun(of: config.id, to: nil, db)
            return ""
        }
        var planned: PlannedJob?
        var refusal: String?
        if let synchronization = parsed.synchronization {
            do {
                let request = try StartRequest.parse(body: synchronization.startBody, family: synchronization.family)
                planned = try planner.plan(request, family: synchronization.family, domain: config.domain, now: due)
            } catch {
                refusal = "\(error)"
            }
        }
        let run = SchedulerRun.Request(
            id: planner.randomness.uuid(orderedAt: due), name: parsed.name, operation: parsed.operation.name, trigger: trigger, at: due)
        // The start as a POST would make it, in a savepoint of its own: a family already running
        // (CM refuses the start) leaves a failed run and the rest of the transaction.
        var started: String?
        if let planned {
            do {
                try db.inSavepoint {
                    _ = try store.start(planned, exclusive: !settings.allowConcurrentJobs, db)
                    return .commit
                }
                started = planned.job.id
            } catch StoreError.conflict {
                refusal = "a \(config.family) job is in progress"
            }
        }
        try store.scheduler.recordRun(config, run, started: started, refused: refusal, nextDue: parsed.nextDue(after: due), db)
        return run.id
    }

    private func skipAhead(_ config: StoredSchedulerConfig, past target: Timestamp, _ db: Database) throws {
        try store.scheduler.setNextSchedulerRun(of: config.id, to: try SchedulerConfig(document: config.document).nextDue(after: target), db)
    }
}
