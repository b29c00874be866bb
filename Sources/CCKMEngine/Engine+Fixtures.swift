import CCKMCore
import CCKMStore
import GRDB

/// The moves that replace what is stored: a fixture's seed, a reset, a snapshot saved and put back.
/// Each is one transaction, whole or not at all; a start-up's seed into a store no one uses yet
/// may take the bulk path, which is a transaction of its own outside the WAL.
extension Engine {
    /// Stores the fixture's jobs (those of `domain` only, when given), its JSON Lines files a batch
    /// at a time: running jobs go on from now with fresh durations, unless held. The fixture's
    /// inventory, scripts and simulator settings are added to the planner's rules.
    /// `alone`: nothing else uses the store yet (start-up), so a large fixture may load the fastest way.
    public func seed(_ fixture: Fixture, domain: String? = nil, alone: Bool = false) throws {
        // Only a start-up's or a preparation's load is stopped by a signal; a fixture load while
        // serving has no one to stop it, and needs no commit guard.
        guard alone, let progress = loadProgress.withLock({ $0 }) else {
            return try oneAtATime { try seedUnserialized(fixture, domain: domain, alone: alone) }
        }
        // A stop asked for in the middle of a statement (the index build after the rows) ends
        // it there; one that comes between two statements, where SQLite's interrupt is lost,
        // is refused at the commit. Either way the load's transaction stores nothing.
        let refusal = CancelledLoadRefusesCommit(progress)
        try onWriter { db in db.add(transactionObserver: refusal, extent: .databaseLifetime) }
        defer { try? onWriter { db in db.remove(transactionObserver: refusal) } }
        do {
            try progress.whileRunning(onCancel: { [database = store.database] in database.interrupt() }) {
                try oneAtATime { try seedUnserialized(fixture, domain: domain, alone: alone) }
            }
        } catch {
            if progress.isCancelled { throw LoadCancelled() }
            throw error
        }
    }

    private func seedUnserialized(_ fixture: Fixture, domain: String?, alone: Bool) throws {
        let before = planner.currentRules
        planner.setRules(Self.rules(before, adding: fixture))
        do {
            if alone, !fixture.streams.isEmpty {
                // Start-up with nothing else on the store: the bulk load may leave WAL for its
                // duration (`bulkReplace(alone:)`), which only a transaction of its own can; the
                // configurations go first, in a transaction of their own.
                let now = clock.now()
                try onWriter { db in
                    try store.transaction(db) { db in
                        try storeConfigs(fixture, domain: domain, now: now) { id, domain, config in
                            try store.scheduler.replaceSchedulerConfig(id: id, domain: domain, config: config, at: now, db)
                        }
                        try storeCloud(fixture, domain: domain, now: now, db)
                    }
                    try storeJobs(fixture, domain: domain, now: now, settling: true) { try store.bulkReplace(alone: true, db, $0, afterRows: $1) }
                }
            } else {
                let now = clock.now()
                try inTransaction { db in try storeFixture(fixture, domain: domain, now: now, settling: alone, db) }
            }
        } catch {
            planner.setRules(before)
            throw error
        }
        changed(.everything)
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

    /// The fixture's configurations, jobs and JSON Lines files, in the caller's transaction;
    /// `settling`, as a start-up loads them (`storeJobs`, `settleLoad`).
    private func storeFixture(_ fixture: Fixture, domain: String?, now: Timestamp, settling: Bool = false, _ db: Database) throws {
        try storeConfigs(fixture, domain: domain, now: now) { id, domain, config in
            try store.scheduler.replaceSchedulerConfig(id: id, domain: domain, config: config, at: now, db)
        }
        try storeCloud(fixture, domain: domain, now: now, db)
        let jobs = fixture.streams.isEmpty ? fixture.jobs.count : nil
        try storeJobs(fixture, domain: domain, now: now, settling: settling) { try store.bulkReplace(in: db, jobs: jobs, $0, afterRows: $1) }
    }

    /// The fixture's cloud records (a domain's load leaves the shared cloud as it is), and those it
    /// says a sync already brought, in their domains' inventories: an AWS key under the KMS that
    /// holds its account and region, the others under their container; Azure's versions in order.
    private func storeCloud(_ fixture: Fixture, domain: String?, now: Timestamp, _ db: Database) throws {
        let known = planner.currentRules.inventory
        var versions: [String: Int] = [:]
        for given in fixture.cloudKeys { versions["\(given.cloud.rawValue) \(given.container) \(given.name)", default: 0] += 1 }
        var seen: [String: Int] = [:]
        var containers: [String: (name: String, id: String, region: String?)] = [:]
        func container(_ domain: String, _ given: FixtureCloudKey, _ key: CloudKey) throws -> (name: String, id: String, region: String?) {
            let place = "\(domain) \(given.cloud.rawValue) \(given.container)"
            if let found = containers[place] { return found }
            let found: (name: String, id: String, region: String?)
            if given.cloud == .aws {
                let kms =
                    known.awsKMS.first { $0.account == key.account && $0.regions.contains(key.region) }?.name ?? known.awsKMS.first?.name ?? "kms"
                found = (kms, try InventoryTable.awsKMSID(domain: domain, name: kms, db), nil)
            } else {
                let stored = try InventoryTable.container(domain: domain, cloud: given.cloud, target: given.container, db)
                found = (stored.name, stored.id, stored.region ?? known.azureLocations[given.container])
            }
            containers[place] = found
            return found
        }
        for given in fixture.cloudKeys {
            let key = CloudKey.fresh(
                given.cloud, cloudID: given.cloudID, container: given.container, name: given.name, overrides: given.parameters, at: now)
            if domain == nil { try store.inventory.replaceCloudKey(key, db) }
            let versionKey = "\(given.cloud.rawValue) \(given.container) \(given.name)"
            let version = seen[versionKey, default: 0]
            seen[versionKey] = version + 1
            for synced in given.syncedInto where domain == nil || synced == domain {
                let found = try container(synced, given, key)
                var record = InventoryKey(
                    domain: synced, key: key, containerName: found.name, containerID: found.id, region: found.region, createdAt: now,
                    updatedAt: now, syncedAt: now)
                if given.cloud.isVersioned {
                    record.version = version
                    record.versionCount = versions[versionKey] ?? 1
                }
                try store.inventory.keep(record, db)
            }
        }
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
    ///
    /// `bulkReplace` is the store's load (`JobStore.bulkReplace(alone:)` or `(in:)`), handed how to
    /// produce the rows and what to do once they are stored.
    ///
    /// `settling` (start-up, which brings the store to now before it answers): a running job whose
    /// targets are all due on the clock as it is planned is stored ended, as the advance would end
    /// it after the load (`PlannedJob.settle`); the rest is `settleLoad`'s, once the rows are stored.
    private func storeJobs(
        _ fixture: Fixture, domain: String?, now: Timestamp, settling: Bool,
        into bulkReplace: (JobStore.Produce, JobStore.AfterRows) throws -> Void
    ) throws {
        var settled: [JobEvent] = []
        try bulkReplace({ insert in settled = try storeRows(fixture, domain: domain, now: now, settling: settling, insert) }) { db in
            if settling { try settleLoad(settled, db) }
        }
    }

    /// `storeJobs`'s rows; returns the events of the jobs it ended.
    private func storeRows(
        _ fixture: Fixture, domain: String?, now: Timestamp, settling: Bool, _ insert: ([PreparedJob]) throws -> Void
    ) throws -> [JobEvent] {
        var settled: [JobEvent] = []
        func prepare(_ job: Job, held: Bool, document: String? = nil) -> PreparedJob {
            guard !held else { return PreparedJob(PlannedJob(job: job), document: document) }
            var planned = planner.resume(job, now: now)
            let events = settling ? planned.settle(by: clock.now()) : []
            settled += events
            // A document rendered before the plan is stale once the plan changed the job (the
            // targets an empty `detailed_status` runs) or ended some of it.
            return PreparedJob(planned, document: events.isEmpty && planned.job == job ? document : nil)
        }
        let jobs = fixture.jobs.filter { domain == nil || $0.domain == domain }
        try insert(jobs.map { prepare($0, held: fixture.held.contains(JobKey(family: $0.family.name, id: $0.id))) })
        let progress = loadProgress.withLock { $0 }
        for path in fixture.streams {
            var problems = JobLines.Problems()
            let size = JobLines.byteCount(path: path)
            let started = ContinuousClock.now
            var jobs = 0
            func step(_ bytes: Int, finished: Bool) -> LoadProgress.Step {
                LoadProgress.Step(
                    path: path, jobs: jobs, bytes: bytes, totalBytes: size, elapsed: ContinuousClock.now - started, finished: finished)
            }
            try progress?.told(step(0, finished: false), added: 0)
            // Rendering runs on the workers, planning here: its random draws keep file order.
            try JobLines.forEachBatch(path: path, now: now, size: JobLines.batchSize) { batch in
                batch.filter { domain == nil || $0.0.domain == domain }.map { (job: $0.0, held: $0.held, document: $0.0.json) }
            } consume: { rendered, batchProblems, bytesRead in
                problems.add(batchProblems)
                guard problems.isEmpty else { return }
                try insert(rendered.map { prepare($0.job, held: $0.held, document: $0.document) })
                jobs += rendered.count
                try progress?.told(step(bytesRead, finished: false), added: rendered.count)
            }
            try problems.check(path: path)
            try progress?.told(step(size, finished: true), added: 0)
        }
        return settled
    }

    /// The rest of a start-up load's settling, once its rows are stored (on the bulk path before
    /// the list indexes are built, where ending a job moves no index entry): the advance ends what
    /// fell due after its job was planned (the jobs of the load's first seconds), and the events of
    /// both, `settled` as the jobs were planned and the advance's, are recorded together in time
    /// order, as one advance after the load would have recorded them. A stable sort keeps the
    /// order of load, then of the targets, among events at the same time.
    private func settleLoad(_ settled: [JobEvent], _ db: Database) throws {
        let fired = try store.advance(to: clock.now(), limit: -1, db, recording: false, inventory: planner.currentRules.inventory).events
        let events = (settled + fired).enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        try store.record(events, db)
    }

    /// Back to `fixture` (nothing when nil), for every domain or one, in one transaction: a
    /// prepared scenario's jobs copied back from its file first, then the rest of the fixture. A
    /// fixture that fails half way (a JSON Lines file changed since the start) leaves the store
    /// exactly as it was, and the planner's rules too. A full reset also puts the rules back to
    /// the fixture's alone. `rewinding` (a full reset's default) puts a manual clock back to where
    /// it stood at the start, and a seeded stream of ids and plans back to its first draw, so
    /// that times, due times and ids do not depend on what the tests before did.
    package func reset(to fixture: Fixture?, domain: String?, rewinding: Bool = false) throws {
        try oneAtATime {
            let before = planner.currentRules
            let base = domain == nil ? PlanRules() : before
            planner.setRules(fixture.map { Self.rules(base, adding: $0) } ?? base)
            let clockBefore = clock.now()
            if rewinding, domain == nil {
                if clock.isManual { clock.restore(to: startedAt) }
                planner.randomness.rewind()
            }
            do {
                let now = clock.now()
                let image = fixture?.prepared == nil ? nil : prepared.withLock { $0 }
                try onWriter { db in
                    if let image { try store.attachPrepared(image, db) }
                    defer { if image != nil { try? store.detachPrepared(db) } }
                    try store.transaction(db) { db in
                        try store.deleteJobs(domain: domain, db)
                        try store.scheduler.deleteSchedulerConfigs(domain: domain, db)
                        try store.inventory.deleteAll(domain: domain, db)
                        if let image { try storePrepared(image, domain: domain, now: now, db) }
                        if let fixture { try storeFixture(fixture, domain: domain, now: now, db) }
                    }
                }
            } catch {
                planner.setRules(before)
                if clock.isManual { clock.restore(to: clockBefore) }
                throw error
            }
            changed(.everything)
        }
    }

    /// The attached prepared scenario's jobs, their plans moved from its preparation to `now` (the
    /// bulk path when they go into an empty store: a full reset of a large one), and its cloud.
    private func storePrepared(_ image: PreparedImage, domain: String?, now: Timestamp, _ db: Database) throws {
        let jobs = try store.preparedJobCount(domain: domain, db)
        let offset = now.nanoseconds - image.preparedAt.nanoseconds
        try store.bulkReplace(in: db, jobs: jobs) { _ in try store.copyPreparedJobs(domain: domain, shiftingPlansBy: offset, db) }
        try store.copyPreparedInventory(domain: domain, db)
    }

    /// Puts a snapshot back, the manual clock included.
    public func restore(snapshot name: String) throws {
        try oneAtATime {
            let store = self.store
            clock.restore(to: try inTransaction { db in try store.snapshots.restoreSnapshot(name, db) })
            try addStoredKMSToRules()
            changed(.everything)
        }
    }

    /// Saves every job, schedule, event and configuration under `name`, with the clock's time.
    package func saveSnapshot(_ name: String) throws {
        try oneAtATime {
            let (store, now) = (self.store, clock.now())
            try inTransaction(changingJobs: false) { db in try store.snapshots.saveSnapshot(name, clock: now, db) }
        }
    }
}

/// Refuses every commit once the load is cancelled: the transaction rolls back, and the load stores
/// nothing whatever statement it was between when the stop came.
private final class CancelledLoadRefusesCommit: TransactionObserver, Sendable {
    private let progress: LoadProgress

    init(_ progress: LoadProgress) { self.progress = progress }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseWillCommit() throws { if progress.isCancelled { throw LoadCancelled() } }
    func databaseDidCommit(_ db: Database) {}
    func databaseDidRollback(_ db: Database) {}
}
