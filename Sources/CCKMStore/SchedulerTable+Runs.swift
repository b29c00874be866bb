import CCKMCore
import GRDB

/// Job runs (`scheduler_job`, migration v8), read with the status of the synchronization each
/// started: the job's row is the one truth about it, so a run never disagrees with its job.
extension SchedulerTable {
    private static let runColumns = """
        SELECT r.seq, r.id, r.domain, r.config_id, r.name, r.operation, r.trigger, coalesce(j.status, r.status) AS status,
               r.family, r.job_id, r.message, r.created_at, coalesce(j.updated_at, r.updated_at) AS updated_at
        FROM scheduler_job AS r LEFT JOIN job AS j ON j.family = r.family AND j.id = r.job_id
        """

    /// One domain's runs, filtered, sorted and paged.
    package func schedulerRuns(domain: String, query: SchedulerRunQuery) throws -> (total: Int, runs: [SchedulerRun]) {
        var clauses = ["domain = ?"]
        var arguments: StatementArguments = [domain]
        for (column, value) in [
            ("id", query.id), ("config_id", query.configID), ("status", query.status), ("operation", query.operation), ("name", query.name),
        ] {
            guard let value else { continue }
            clauses.append("\(column) = ?")
            arguments += [value]
        }
        // Columns come from `SchedulerRun.sortFields`, never from the request's text.
        // Runs made at one time keep the order they were made in, turned as the first field is.
        let tie = query.sort.first?.descending == true ? "seq DESC" : "seq"
        let order = (query.sort.map { "\($0.column) \($0.descending ? "DESC" : "ASC")" } + [tie]).joined(separator: ", ")
        let runs = "SELECT * FROM (\(Self.runColumns)) WHERE \(clauses.joined(separator: " AND "))"
        return try database.consistentRead { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(runs))", arguments: arguments) ?? 0
            var page = arguments
            page += [query.limit, query.skip]
            let rows = try Row.fetchAll(db, sql: runs + " ORDER BY \(order) LIMIT ? OFFSET ?", arguments: page)
            return (total, rows.map(Self.run))
        }
    }

    package func schedulerRun(id: String, domain: String) throws -> SchedulerRun? {
        try database.consistentRead { db in
            try Row.fetchOne(db, sql: Self.runColumns + " WHERE r.id = ? AND r.domain = ?", arguments: [id, domain]).map(Self.run)
        }
    }

    /// The newest run of each configuration, by configuration id, for the dashboard.
    package func latestSchedulerRuns() throws -> [String: SchedulerRun] {
        try database.consistentRead { db in
            let rows = try Row.fetchAll(
                db, sql: Self.runColumns + " WHERE r.seq IN (SELECT max(seq) FROM scheduler_job GROUP BY config_id)")
            return Dictionary(rows.map(Self.run).map { ($0.configID, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    package func deleteSchedulerRun(id: String, domain: String, _ db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM scheduler_job WHERE id = ? AND domain = ?", arguments: [id, domain])
        return db.changesCount > 0
    }

    private static func run(_ row: Row) -> SchedulerRun {
        SchedulerRun(
            id: row["id"], domain: row["domain"], configID: row["config_id"], name: row["name"], operation: row["operation"],
            trigger: row["trigger"], status: row["status"], family: row["family"], jobID: row["job_id"], message: row["message"],
            createdAt: Timestamp(nanoseconds: row["created_at"]), updatedAt: Timestamp(nanoseconds: row["updated_at"]))
    }
}
