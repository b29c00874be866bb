import GRDB

/// The jobs as the control API sees them: a reset's delete, forced outcomes, the events, look-ups across domains.
extension JobStore {

    /// `deleteJobs` inside a transaction the caller holds (a reset's).
    func deleteJobs(domain: String?, _ db: Database) throws {
        generations.touchAll()
        if let domain {
            try db.execute(sql: "DELETE FROM job WHERE domain = ?", arguments: [domain])
            try db.execute(sql: "DELETE FROM job_event WHERE domain = ?", arguments: [domain])
        } else {
            try db.execute(sql: "DELETE FROM job; DELETE FROM job_event; DELETE FROM job_count")
        }
    }

    /// The families holding a job with this id (ids are unique within a family only).
    public func families(holding id: String, domain: String? = nil) throws -> [JobFamily] {
        try database.read { db in
            let names =
                if let domain {
                    try String.fetchAll(db, sql: "SELECT family FROM job WHERE id = ? AND domain = ? ORDER BY family", arguments: [id, domain])
                } else {
                    try String.fetchAll(db, sql: "SELECT family FROM job WHERE id = ? ORDER BY family", arguments: [id])
                }
            return names.compactMap(JobFamily.named)
        }
    }

    /// Every domain that holds a job or a scheduler configuration, from the per-domain counts (no scan of the jobs).
    func domainsHoldingJobs() throws -> [String] {
        try database.read { db in
            try String.fetchAll(
                db, sql: "SELECT domain FROM job_count WHERE n > 0 UNION SELECT domain FROM scheduler_config ORDER BY domain")
        }
    }

    /// The domain of a job, for the control API, which acts across domains.
    public func domain(family: JobFamily, id: String) throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT domain FROM job WHERE family = ? AND id = ?", arguments: [family.name, id])
        }
    }

    /// Makes the job's running targets (or just `target`) end at `at` with `outcome` and
    /// `message`; the next advance applies it. 409 for a job not in progress or a target not running.
    func force(
        family: JobFamily, id: String, target: String?, outcome: ScheduledTarget.Outcome, message: @escaping (String) -> String,
        at: Timestamp, _ db: Database
    ) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, status FROM job WHERE family = ? AND id = ?", arguments: [family.name, id])
        else { throw StoreError.notFound(nil) }
        guard row["status"] as String == JobStatus.inProgress.rawValue else {
            throw StoreError.conflict("Job \(id) is \(row["status"] as String); only a job in progress can be completed or failed")
        }
        let seq: Int64 = row["seq"]
        var targets = try String.fetchAll(
            db, sql: "SELECT target FROM job_schedule WHERE seq = ? AND done = 0 ORDER BY target", arguments: [seq])
        if let target {
            // As fixture scripts take it: the whole key, or its last part (`ap-south-1` for
            // `123456789012/ap-south-1`) when that names one target.
            let named = targets.contains(target) ? [target] : targets.filter { $0.hasSuffix("/" + target) }
            guard named.count == 1 else {
                throw StoreError.conflict(
                    "Target \"\(target)\" of job \(id) is \(named.isEmpty ? "not running" : "ambiguous") (running: \(targets.joined(separator: ", ")))"
                )
            }
            targets = named
        }
        for target in targets {
            try db.execute(
                sql: "UPDATE job_schedule SET due_at = ?, outcome = ?, message = ? WHERE seq = ? AND target = ?",
                arguments: [at.nanoseconds, outcome.rawValue, message(target), seq, target])
        }
    }

    /// Events oldest first, of one job when `jobID` is given, at or after `since` when given.
    func events(jobID: String? = nil, since: Timestamp? = nil, limit: Int = 10_000) throws -> [JobEvent] {
        try eventPage(jobID: jobID, since: since, limit: limit).events
    }

    /// One page of events, oldest first, after the event numbered `after` when given; `next` is
    /// the number to ask after for the rest, nil when this page holds the last.
    func eventPage(jobID: String? = nil, since: Timestamp? = nil, after: Int64? = nil, limit: Int) throws -> EventPage {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let jobID {
            clauses.append("job_id = ?")
            arguments += [jobID]
        }
        if let since {
            clauses.append("at >= ?")
            arguments += [since.nanoseconds]
        }
        if let after {
            clauses.append("id > ?")
            arguments += [after]
        }
        // One more than asked: whether it comes back says if there is a next page.
        arguments += [limit + 1]
        let sql = "SELECT * FROM job_event" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY id LIMIT ?"
        let rows = try database.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        let page = rows.prefix(limit)
        let events = page.compactMap { row in
            JobFamily.named(row["family"]).map { family in
                JobEvent(
                    family: family, domain: row["domain"], jobID: row["job_id"], target: row["target"], from: row["from_state"],
                    to: row["to_state"], at: Timestamp(nanoseconds: row["at"]))
            }
        }
        return EventPage(events: events, next: rows.count > limit ? page.last?["id"] : nil)
    }

    // MARK: - Snapshots
}

/// A page of `/__admin/events`.
struct EventPage: Sendable {
    var events: [JobEvent]
    /// The cursor for the next page; nil on the last.
    var next: Int64?
}
