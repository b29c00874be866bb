import GRDB
import Synchronization

/// Jobs in motion: starts them, cancels them, and moves them along as the clock advances.
/// The rules live in `JobProgress` and `JobPlanner`; this type only sequences them with the store.
/// Starts and cancels go through the store's group commit (`WriteBatcher`) on the live server and
/// in-process alike: one write path, the batch inline (of one, at once) when `groupCommit` is off.
public final class Simulator: Sendable {
    public let store: JobStore
    let clock: any SimulationClock
    let planner: JobPlanner
    /// Requests waiting for a job to reach a status; checked after every change made here.
    let waiters = JobWaiters()
    private let writes: WriteBatcher
    /// One move of the clock or the store's time at a time: advances, ticks, settles, forced
    /// ends, run-nows, resets, seeds and restores. Two advances of 600 s each read the same "now"
    /// and moved the clock 600 s in all, ran one due minute twice, and a restore during an advance
    /// was undone when the advance set its target. Not reentrant: what runs inside calls the
    /// `…Unserialized` forms (a settle ticks, a reset seeds, a run-now ticks).
    private let turn = Mutex(())

    /// `body` with the clock to itself.
    func oneAtATime<T: Sendable>(_ body: () throws -> T) throws -> T {
        try turn.withLock { _ in try body() }
    }

    init(store: JobStore, clock: any SimulationClock, planner: JobPlanner, groupCommit: Bool = false) {
        self.store = store
        self.clock = clock
        self.planner = planner
        let waiters = self.waiters
        writes = WriteBatcher(
            store: store, inline: !groupCommit,
            // A batch first brings the jobs its writes judge to now, so a conflict check sees their
            // current state; each scope once.
            prepare: { db, scopes in
                let now = clock.now()
                var seen: [JobStore.CurrentJobs] = []
                var events: [JobEvent] = []
                for scope in scopes where !seen.contains(scope) {
                    seen.append(scope)
                    events += try store.advance(to: now, scope, db)
                }
                return events
            },
            finished: { events in Self.answer(waiters, after: events, store: store) })
    }

    public var settings: SimulatorSettings { planner.settings }

    /// Validates the body and plans the job now, then stores it with the next group commit;
    /// `finish` gets its JSON (for the 201) once it is on disk, or the error.
    public func start(family: JobFamily, domain: String, body: [UInt8], finish: @escaping @Sendable (Result<String, any Error>) -> Void) {
        let planned: PlannedJob
        do {
            planned = try planStart(family: family, domain: domain, body: body)
        } catch {
            finish(.failure(error))
            return
        }
        let exclusive = !settings.allowConcurrentJobs
        let store = self.store
        writes.submit(
            WriteBatcher.Item(
                work: { db in try store.start(planned, exclusive: exclusive, db) }, finish: finish,
                current: exclusive ? [.family(family, domain: domain)] : []))
    }

    /// Sets `abort` with the next group commit; the job stops `cancelDelay` later, unfinished
    /// targets cancelled. `finish` gets the job's JSON, or the error.
    func cancel(family: JobFamily, domain: String, id: String, finish: @escaping @Sendable (Result<String, any Error>) -> Void) {
        let (now, stopAt) = cancelTimes()
        let store = self.store
        writes.submit(
            WriteBatcher.Item(
                work: { db in try store.cancel(family: family, domain: domain, id: id, now: now, stopAt: stopAt, db) }, finish: finish,
                current: [.job(family: family, domain: domain, id: id)]))
    }

    /// A new login session saved with the next group commit, so that logins arriving together
    /// share one WAL commit as starts do; `finish` gets `response` once it is on disk, or the error.
    func saveSession(
        _ session: LoginSession, createdAt: Int64, response: String, finish: @escaping @Sendable (Result<String, any Error>) -> Void
    ) {
        let store = self.store
        writes.submit(
            WriteBatcher.Item(
                work: { db in
                    try store.saveSession(session, createdAt: createdAt, db)
                    return response
                }, finish: finish, changesJobs: false))
    }

    /// The part of a start that needs no store (also what batched writes use): the checked body, planned.
    func planStart(family: JobFamily, domain: String, body: [UInt8]) throws -> PlannedJob {
        let request = try StartRequest.parse(body: body, family: family)
        return try planner.plan(request, family: family, domain: domain, now: clock.now())
    }

    /// When a cancel asked now stops its job.
    func cancelTimes() -> (now: Timestamp, stopAt: Timestamp) {
        let now = clock.now()
        return (now, now.adding(seconds: settings.scaled(settings.cancelDelay)).roundedToMicroseconds)
    }

    /// Fires every transition due by the clock's now.
    @discardableResult
    func tick() throws -> [JobEvent] {
        try oneAtATime { try tickUnserialized() }
    }

    func tickUnserialized() throws -> [JobEvent] {
        let events = try advanceStore(to: clock.now())
        answerWaiters(after: events)
        return events
    }

    /// Everything due by now, in one transaction: what a start-up runs after its fixtures load,
    /// before it answers. The ticks' chunks keep a served store responsive; here no one waits yet,
    /// and 49,839 jobs that fell due during a 1,000,000-job load took the ticks 28 s after healthy,
    /// with starts and logins at a seventh of their rate meanwhile. Then a tick runs the scheduler.
    func catchUp() throws {
        try oneAtATime {
            let now = clock.now()
            let events = try store.write { db in try store.advance(to: now, db) }
            answerWaiters(after: events)
            _ = try tickUnserialized()
        }
    }

    /// Moves a manual clock forward, firing what falls due on the way with the times it falls due.
    /// The clock moves only once the store has: a failed write (a full disk) leaves it where it was,
    /// so that a retry does not advance twice.
    func advance(seconds: Double) throws -> [JobEvent] {
        try oneAtATime { try move(to: try clock.target(advancingBy: seconds)) }
    }

    private func move(to target: Timestamp) throws -> [JobEvent] {
        guard target <= Timestamp.latestClockTime else { try clock.advance(to: target); return [] }  // throws: past the end
        let events = try advanceStore(to: target)
        try clock.advance(to: target)
        answerWaiters(after: events)
        return events
    }

    /// Ends the job's running targets (or one) now, well or with a failure; `message` replaces the
    /// family's usual words.
    func force(family: JobFamily, id: String, target: String?, fail: Bool, message: String?) throws -> [JobEvent] {
        try oneAtATime { try forceUnserialized(family: family, id: id, target: target, fail: fail, message: message) }
    }

    private func forceUnserialized(family: JobFamily, id: String, target: String?, fail: Bool, message: String?) throws -> [JobEvent] {
        try store.force(
            family: family, id: id, target: target, outcome: fail ? .fails : .succeeds,
            message: { message ?? (fail ? family.failureMessage(target: $0) : family.successMessage) }, at: clock.now())
        return try tickUnserialized()
    }

    /// Stores the fixture's jobs (those of `domain` only, when given), its JSON Lines files a batch
    /// at a time: running jobs go on from now with fresh durations, unless held. The fixture's
    /// inventory, scripts and simulator settings are added to the planner's rules.
    /// `alone`: nothing else uses the store yet (start-up), so a large fixture may load the fastest way.
    public func seed(_ fixture: Fixture, domain: String? = nil, alone: Bool = false) throws {
        try oneAtATime { try seedUnserialized(fixture, domain: domain, alone: alone) }
    }

    private func seedUnserialized(_ fixture: Fixture, domain: String?, alone: Bool) throws {
        let before = planner.currentRules
        planner.setRules(Self.rules(before, adding: fixture))
        do {
            if alone, !fixture.streams.isEmpty {
                // Start-up with nothing else on the store: the bulk load may leave WAL for its
                // duration (`bulkReplace(alone:)`), which only a transaction of its own can; the
                // configurations go first, each in a write of its own.
                let now = clock.now()
                try storeConfigs(fixture, domain: domain, now: now) { id, domain, config in
                    try store.replaceSchedulerConfig(id: id, domain: domain, config: config, at: now)
                }
                try store.bulkReplace(alone: true) { insert in try storeJobs(fixture, domain: domain, now: now, insert) }
            } else {
                try store.write { db in try storeFixture(fixture, domain: domain, now: clock.now(), db) }
            }
        } catch {
            planner.setRules(before)
            throw error
        }
        waiters.checkAll(store: store)
    }

    /// The planner's rules with the fixture's added, merged as `Fixture.merge` merges fixtures.
    private static func rules(_ current: PlanRules, adding fixture: Fixture) -> PlanRules {
        var rules = current
        let added = PlanRules(fixture)
        // Only the families the fixture lists: `PlanRules` fills the rest with the standard
        // targets, which would undo an earlier fixture's.
        for family in added.strictFamilies { rules.inventory.targets[family] = added.inventory.targets[family] }
        // A later load keeps an earlier one's AWS accounts, and a script loaded again replaces
        // itself instead of piling up (100 merges of one fixture had a start reading 100 copies).
        for kms in added.inventory.awsKMS {
            rules.inventory.awsKMS.removeAll { $0.name == kms.name }
            rules.inventory.awsKMS.append(kms)
        }
        rules.inventory.azureLocations.merge(added.inventory.azureLocations) { $1 }
        rules.strictFamilies.formUnion(added.strictFamilies)
        rules.scripts.add(added.scripts)
        rules.simulation.merge(added.simulation) { $1 }
        return rules
    }

    /// The fixture's configurations, jobs and JSON Lines files, in the caller's transaction.
    private func storeFixture(_ fixture: Fixture, domain: String?, now: Timestamp, _ db: Database) throws {
        try storeConfigs(fixture, domain: domain, now: now) { id, domain, config in
            try store.replaceSchedulerConfig(id: id, domain: domain, config: config, at: now, db)
        }
        try store.bulkReplace(in: db) { insert in try storeJobs(fixture, domain: domain, now: now, insert) }
    }

    private func storeConfigs(
        _ fixture: Fixture, domain: String?, now: Timestamp, _ replace: (String, String, SchedulerConfig) throws -> Void
    ) throws {
        for schedule in fixture.schedules where domain == nil || schedule.domain == domain {
            try replace(schedule.id ?? planner.randomness.uuid(), schedule.domain, try SchedulerConfig(fields: schedule.members.objectValue ?? []))
        }
    }

    /// The jobs and the lines of the JSON Lines files, each planned and handed to `insert`. A
    /// line's problem stops the storing (not the reading, so that every problem is reported), and
    /// the transaction around it rolls everything back.
    private func storeJobs(_ fixture: Fixture, domain: String?, now: Timestamp, _ insert: ([PreparedJob]) throws -> Void) throws {
        func plan(_ job: Job, held: Bool) -> PlannedJob { held ? PlannedJob(job: job) : planner.resume(job, now: now) }
        let jobs = fixture.jobs.filter { domain == nil || $0.domain == domain }
        try insert(jobs.map { PreparedJob(plan($0, held: fixture.held.contains(JobKey(family: $0.family.name, id: $0.id)))) })
        for path in fixture.streams {
            var problems = JobLines.Problems()
            // Rendering runs on the workers, planning here: its random draws keep file order.
            try JobLines.forEachBatch(path: path, now: now, size: JobLines.batchSize) { batch in
                batch.filter { domain == nil || $0.0.domain == domain }.map { (job: $0.0, held: $0.held, document: $0.0.json) }
            } consume: { rendered, batchProblems in
                problems.add(batchProblems)
                guard problems.isEmpty else { return }
                try insert(rendered.map { PreparedJob(plan($0.job, held: $0.held), document: $0.document) })
            }
            try problems.check(path: path)
        }
    }

    /// Back to `fixture` (nothing when nil), for every domain or one, in one transaction: a
    /// fixture that fails half way (a JSON Lines file changed since the start) leaves the store
    /// exactly as it was, and the planner's rules too. A full reset also puts the rules back to
    /// the fixture's alone.
    func reset(to fixture: Fixture?, domain: String?) throws {
        try oneAtATime {
            let before = planner.currentRules
            let base = domain == nil ? PlanRules() : before
            planner.setRules(fixture.map { Self.rules(base, adding: $0) } ?? base)
            do {
                let now = clock.now()
                try store.write { db in
                    try store.deleteJobs(domain: domain, db)
                    try store.deleteSchedulerConfigs(domain: domain, db)
                    if let fixture { try storeFixture(fixture, domain: domain, now: now, db) }
                }
            } catch {
                planner.setRules(before)
                throw error
            }
            waiters.checkAll(store: store)
        }
    }

    /// Puts a snapshot back, the manual clock included.
    public func restore(snapshot name: String) throws {
        try oneAtATime {
            clock.restore(to: try store.restoreSnapshot(name))
            waiters.checkAll(store: store)
        }
    }

    /// After a write, here or in a batch of the live server's: answers the waits on the jobs whose
    /// status it moved. (A start or a cancel alone moves no status: a cancelled job stops later.)
    func answerWaiters(after events: [JobEvent]) {
        Self.answer(waiters, after: events, store: store)
    }

    private static func answer(_ waiters: JobWaiters, after events: [JobEvent], store: JobStore) {
        if !events.isEmpty, waiters.count > 0 { waiters.check(jobs: events.map { JobKey(family: $0.family.name, id: $0.jobID) }, store: store) }
    }

    /// Runs every job in progress to its end. A manual clock moves to the last due time; under the
    /// system clock, what was due later ends now.
    func settle() throws -> [JobEvent] {
        try oneAtATime {
            guard let last = try store.lastDueTime() else { return try tickUnserialized() }
            if clock.isManual { return try move(to: max(last, clock.now())) }
            try store.dueNoLaterThan(clock.now())
            return try tickUnserialized()
        }
    }
}
