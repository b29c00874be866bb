import CCKMCore
import GRDB

/// The rows that move jobs through their lifecycle, in the engine's transactions (the rules
/// themselves are `JobProgress`'s): a job answered with 201 is on disk with its schedule and its
/// first event, and a chunk of an advance is applied whole or not at all.
extension JobStore {
    /// Stores a new job, unless `exclusive` and the family already has a job in progress in the
    /// domain (409), inside a transaction the caller holds (a batch of writes). Returns the job's JSON.
    package func start(_ planned: PlannedJob, exclusive: Bool, _ db: Database) throws -> String {
        let job = planned.job
        if exclusive {
            let running =
                try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT n FROM job_count WHERE family = ? AND domain = ? AND status = 'in_progress'"),
                    arguments: [job.family.name, job.domain]) ?? 0
            if running > 0 {
                throw StoreError.conflict(
                    "A job of family \(job.family.name) is already in progress in this domain; wait for it or cancel it"
                )
            }
        }
        generations.touch(family: job.family.name, domain: job.domain)
        // Rendered once: the stored document is the 201's body.
        let document = job.json
        let seq = try insert(job, document: document, db)
        try insertSchedule(planned.schedule, seq: seq, db)
        try record([JobProgress.started(job)], db)
        return document
    }

    /// Asks a running job to stop: `abort` is set now, and every target not done by `stopAt` ends
    /// then as cancelled. 404 for an unknown job, 409 for one that is not in progress.
    package func cancel(family: JobFamily, domain: String, id: String, now: Timestamp, stopAt: Timestamp, _ db: Database) throws -> String {
        guard let (seq, job) = try load(family: family, domain: domain, id: id, db) else { throw StoreError.notFound(nil) }
        guard job.status == .inProgress else {
            throw StoreError.conflict("Job \(id) is \(job.status.rawValue); only a job in progress can be cancelled")
        }
        guard !job.abort else { return job.json }
        var cancelled = job
        let event = JobProgress.abort(at: now, job: &cancelled)
        try db.cachedStatement(sql: "UPDATE job_schedule SET due_at = ?, outcome = ?, message = ? WHERE seq = ? AND done = 0 AND due_at > ?")
            .execute(arguments: [
                stopAt.nanoseconds, ScheduledTarget.Outcome.cancelled.rawValue, TargetMessage.cancelled, seq, stopAt.nanoseconds,
            ])
        let document = try save(cancelled, seq: seq, db)
        try record([event], db)
        return document
    }

    /// Whether any target is due by `time`: a read, so that a tick with nothing due (most of them)
    /// costs no write transaction.
    package func hasDue(by time: Timestamp) throws -> Bool {
        try database.consistentRead { db in
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM job_schedule WHERE done = 0 AND due_at <= ?)"),
                arguments: [time.nanoseconds]) ?? false
        }
    }

    /// Most targets one chunk of an advance ends (`Engine.advanceJobs`).
    package static let advanceChunk = 100

    /// Which jobs a write needs brought to now before it judges them.
    package enum CurrentJobs: Sendable, Equatable {
        /// One job: what a cancel looks at.
        case job(family: JobFamily, domain: String, id: String)
        /// The running jobs of a family in a domain: what a start that must run alone counts.
        case family(JobFamily, domain: String)
    }

    /// Ends the first `limit` targets due at or before `time` (all of them for -1), in order of due
    /// time, each stamped with its own due time, and completes the jobs whose last target ended;
    /// `more` when that left some. A chunk goes on from where the last stopped, in the same order,
    /// so chunks end as one transaction would have. The one advance: the engine's (`advanceJobs`)
    /// in chunks, and a batch of writes' for the jobs it judges (`scope`), where bringing every job
    /// to now (thousands falling due at once) held a cancel's batch for up to 0.7 s.
    ///
    /// A chunk also takes in at least as many targets as the largest job it loads has: loading and
    /// saving a job costs its size, so a 20,000-target job settled 100 targets at a time was
    /// decoded and written again 200 times. The chunk grows, in the same order, to match.
    /// `recording` false leaves the events to the caller (a start-up load records them with its own).
    /// A target that completes well brings its container's cloud keys into CM's inventory
    /// (`inventory` says which KMS an AWS target's account stands for).
    package func advance(
        to time: Timestamp, limit: Int, _ db: Database, only scope: CurrentJobs? = nil, recording: Bool = true, inventory: Inventory = .standard
    ) throws -> (events: [JobEvent], more: Bool) {
        let only: String?
        let arguments: StatementArguments
        switch scope {
        case nil:
            (only, arguments) = (nil, [])
        case .job(let family, let domain, let id)?:
            only = "seq = (SELECT seq FROM job WHERE family = ? AND id = ? AND domain = ?)"
            arguments = [family.name, id, domain]
        case .family(let family, let domain)?:
            only = "seq IN (SELECT seq FROM job WHERE family = ? AND domain = ? AND status = 'in_progress')"
            arguments = [family.name, domain]
        }
        return try fire(to: time, limit: limit, db, only: only, arguments: arguments, recording: recording, inventory: inventory)
    }

    /// `advance`'s work; `only` narrows the due rows to some jobs (an SQL condition on `seq`, with its `arguments`).
    private func fire(
        to time: Timestamp, limit: Int, _ db: Database, only: String?, arguments scope: StatementArguments, recording: Bool,
        inventory: Inventory
    ) throws -> (events: [JobEvent], more: Bool) {
        var events: [JobEvent] = []
        var jobs: [Int64: (job: Job, pending: Int, index: JobProgress.TargetIndex)] = [:]
        // Whether a domain's inventory of a cloud can change at all: with no key of that cloud in
        // the cloud or in the domain's inventory, a completed target brings nothing, and a job of
        // 20,000 targets asks once instead of four statements a target.
        var inventoryInUse: [String: Bool] = [:]
        let statement = try db.cachedStatement(
            sql: """
                SELECT seq, target, due_at, outcome, message FROM job_schedule WHERE \(only.map { $0 + " AND " } ?? "")done = 0 AND due_at <= ?
                ORDER BY due_at, seq, target LIMIT ? OFFSET ?
                """)
        let bounds: (Int, Int) -> StatementArguments = { limit, offset in scope + [time.nanoseconds, limit, offset] }
        var due = try Row.fetchAll(statement, arguments: bounds(limit, 0))
        var budget = limit
        var handled = 0
        while handled < due.count {
            let row = due[handled]
            handled += 1
            let seq: Int64 = row["seq"]
            let at = Timestamp(nanoseconds: row["due_at"])
            if jobs[seq] == nil, let loaded = try load(seq: seq, db) {
                jobs[seq] = (loaded.job, loaded.pending, JobProgress.TargetIndex(loaded.job))
                let size = loaded.pending + (loaded.job.detailedStatus?.count ?? 0)
                if limit >= 0, size > budget, due.count == budget {
                    due += try Row.fetchAll(statement, arguments: bounds(size - budget, budget))
                    budget = size
                }
            }
            guard var entry = jobs.removeValue(forKey: seq) else { continue }
            events.append(JobProgress.finish(target: row["target"], message: row["message"], at: at, job: &entry.job, index: &entry.index))
            if (row["outcome"] as Int) == ScheduledTarget.Outcome.succeeds.rawValue, let cloud = entry.job.family.keysCloud {
                let place = entry.job.domain + " " + cloud.rawValue
                let inUse = try inventoryInUse[place] ?? self.inventory.inUse(domain: entry.job.domain, cloud: cloud, db)
                inventoryInUse[place] = inUse
                if inUse { try syncInventory(cloud: cloud, statusKey: row["target"], of: entry.job, at: at, inventory: inventory, db) }
            }
            try db.cachedStatement(sql: "UPDATE job_schedule SET done = 1 WHERE seq = ? AND target = ?").execute(arguments: [
                seq, row["target"] as String,
            ])
            entry.pending -= 1
            if entry.pending == 0 {
                let failed =
                    try Bool.fetchOne(
                        db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM job_schedule WHERE seq = ? AND outcome = ?)"),
                        arguments: [seq, ScheduledTarget.Outcome.fails.rawValue]) ?? false
                events.append(JobProgress.complete(anyFailed: failed, at: at, job: &entry.job))
                try db.cachedStatement(sql: "DELETE FROM job_schedule WHERE seq = ?").execute(arguments: [seq])
            }
            jobs[seq] = entry
        }
        for (seq, entry) in jobs {
            try save(entry.job, seq: seq, db)
        }
        if recording { try record(events, db) }
        return (events, limit >= 0 && due.count == budget)
    }

    /// A target that completed well: its container's cloud records into the job's domain. An AWS
    /// `<account>/<region>` belongs to the job's KMS with that account; an Azure
    /// `<location>/<vault>` is its vault; a Google key ring or OCI vault is named by CM id or name.
    private func syncInventory(cloud: CloudKey.Cloud, statusKey: String, of job: Job, at time: Timestamp, inventory: Inventory, _ db: Database)
        throws
    {
        if cloud == .aws {
            guard let kms = inventory.awsKMSName(forTarget: statusKey, of: job) else { return }
            try self.inventory.sync(
                domain: job.domain, cloud: cloud, container: statusKey, containerName: kms,
                containerID: InventoryTable.awsKMSID(domain: job.domain, name: kms, db), region: nil, at: time, db)
            return
        }
        let (target, location) = cloud.container(ofStatusKey: statusKey)
        let found = try InventoryTable.container(domain: job.domain, cloud: cloud, target: target, db)
        try self.inventory.sync(
            domain: job.domain, cloud: cloud, container: found.container, containerName: found.name, containerID: found.id,
            region: location ?? found.region, at: time, db)
    }

    /// The latest due time of any running target, or nil when nothing runs.
    /// The earliest due time of a target still running (never-ending ones left out).
    package func nextDueTime() throws -> Timestamp? {
        try database.consistentRead { db in
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT MIN(due_at) FROM job_schedule WHERE done = 0 AND due_at < ?"),
                arguments: [Timestamp.never.nanoseconds]
            )
            .map(Timestamp.init(nanoseconds:))
        }
    }

    package func lastDueTime() throws -> Timestamp? {
        try database.consistentRead { db in
            try Int64.fetchOne(
                db, sql: "SELECT MAX(due_at) FROM job_schedule WHERE done = 0 AND due_at < ?", arguments: [Timestamp.never.nanoseconds]
            )
            .map(Timestamp.init(nanoseconds:))
        }
    }

    /// Brings every running target's due time forward to `time` at the latest.
    package func dueNoLaterThan(_ time: Timestamp, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE job_schedule SET due_at = ? WHERE done = 0 AND due_at > ? AND due_at < ?",
            arguments: [time.nanoseconds, time.nanoseconds, Timestamp.never.nanoseconds])
    }

    // MARK: - Rows

    package func insertSchedule(_ schedule: [ScheduledTarget], seq: Int64, _ db: Database) throws {
        let statement = DirectBinding(
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO job_schedule (seq, target, due_at, outcome, message) VALUES (?, ?, ?, ?, ?)"), db)
        for target in schedule {
            try statement.integer(1, seq)
            try statement.text(2, target.target)
            try statement.integer(3, target.dueAt.nanoseconds)
            try statement.integer(4, Int64(target.outcome.rawValue))
            try statement.text(5, target.message)
            try statement.run()
        }
    }

    private func load(family: JobFamily, domain: String, id: String, _ db: Database) throws -> (Int64, Job)? {
        guard
            let seq = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT seq FROM job WHERE family = ? AND id = ? AND domain = ?"), arguments: [family.name, id, domain])
        else { return nil }
        return try load(seq: seq, db).map { (seq, $0.job) }
    }

    /// The job and how many of its targets are still scheduled.
    private func load(seq: Int64, _ db: Database) throws -> (job: Job, pending: Int)? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT job.family, job.domain, job_document.document,
                            (SELECT COUNT(*) FROM job_schedule WHERE job_schedule.seq = job.seq AND done = 0) AS pending
                        FROM job JOIN job_document ON job_document.seq = job.seq WHERE job.seq = ?
                        """), arguments: [seq]),
            let family = JobFamily.named(row["family"])
        else { return nil }
        return (try Job.decode(document: row["document"], family: family, domain: row["domain"]), row["pending"])
    }

    /// Stores the job's row and document; returns the document (rendered once, for the answer too).
    @discardableResult
    private func save(_ job: Job, seq: Int64, _ db: Database) throws -> String {
        generations.touch(family: job.family.name, domain: job.domain)
        try db.cachedStatement(sql: "UPDATE job SET status = ?, updated_at = ?, completed_at = ? WHERE seq = ?").execute(arguments: [
            job.status.rawValue, job.updatedAt.nanoseconds, job.completedAt?.nanoseconds, seq,
        ])
        let document = job.json
        try db.cachedStatement(sql: "UPDATE job_document SET document = ? WHERE seq = ?").execute(arguments: [document, seq])
        return document
    }

    /// The events, in the order given.
    package func record(_ events: [JobEvent], _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO job_event (family, domain, job_id, target, from_state, to_state, at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        for event in events {
            try statement.execute(arguments: [
                event.family.name, event.domain, event.jobID, event.target, event.from, event.to, event.at.nanoseconds,
            ])
        }
    }
}
