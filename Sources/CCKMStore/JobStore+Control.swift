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
        } else {
            for sql in ["DELETE FROM job", "DELETE FROM job_event", "DELETE FROM job_count"] { try db.cachedStatement(sql: sql).execute() }
        }
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
