import CCKMCore
import GRDB

/// The jobs as the control API sees them: a reset's delete, forced outcomes, the events, look-ups across domains.
extension JobStore {

    /// `deleteJobs` inside a transaction the caller holds (a reset's).
    package func deleteJobs(domain: String?, _ db: Database) throws {
        generations.touchAll()
        // Cached statements: a test fleet resets before every test.
        if let domain {
            try db.cachedStatement(sql: "DELETE FROM job WHERE domain = ?").execute(arguments: [domain])
            try db.cachedStatement(sql: "DELETE FROM job_event WHERE domain = ?").execute(arguments: [domain])
        } else if try (Int.fetchOne(db.cachedStatement(sql: "SELECT coalesce(sum(n), 0) FROM job_count")) ?? 0) >= Self.bulkPathJobs {
            try deleteAllJobs(db)
        } else {
            for sql in ["DELETE FROM job", "DELETE FROM job_event", "DELETE FROM job_count"] { try db.cachedStatement(sql: sql).execute() }
        }
    }

    /// Every job of a large store gone at once: the list indexes and the delete triggers are
    /// dropped, the tables emptied children first (so that no cascade looks for a job's rows) and
    /// the counts cleared, then the indexes and triggers made again on the empty tables. Measured
    /// on 100,000 prepared jobs: 11.5 s deleting row by row through seven indexes, a cascade and
    /// two triggers per row; 0.9 s this way (a full reset of a prepared scenario is mostly this).
    private func deleteAllJobs(_ db: Database) throws {
        let indexes = [StoreSchema.uniqueJobIndex] + StoreSchema.listIndexes
        for statement in indexes { try db.execute(sql: "DROP INDEX \(StoreSchema.indexName(statement))") }
        for trigger in StoreSchema.uncountTriggers { try db.execute(sql: "DROP TRIGGER \(StoreSchema.triggerName(trigger))") }
        for table in ["job_document", "job_schedule", "job_target", "job", "job_event", "job_count", "job_target_count"] {
            try db.execute(sql: "DELETE FROM \(table)")
        }
        for statement in indexes + StoreSchema.uncountTriggers { try db.execute(sql: statement) }
    }

    /// Makes the job's running targets (or just `target`) end at `at` with `outcome` and
    /// `message`; the next advance applies it. 409 for a job not in progress or a target not running.
    package func force(
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
}
