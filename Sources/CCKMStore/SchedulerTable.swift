import CCKMCore
import GRDB

/// A scheduler job configuration as stored: the resource as served, and when it runs next.
package struct StoredSchedulerConfig: Sendable {
    package let id: String
    package let domain: String
    package let family: String
    package let document: String
    package let createdAt: Timestamp
    package let nextDue: Timestamp?
}

/// Scheduler job configurations (`scheduler_config`, migration v5) and the runs they made
/// (`scheduler_job`, migration v8; `scheduler_run` holds the links of builds before it). Every
/// write takes the engine's `Database`, like the jobs'.
package struct SchedulerTable: Sendable {
    let database: any DatabaseReader

    /// Stores a new configuration; 409 when its domain already has one of that name.
    package func insertSchedulerConfig(id: String, domain: String, config: SchedulerConfig, at now: Timestamp, _ db: Database) throws -> String {
        let document = config.document(id: id, createdAt: now, updatedAt: now)
        try checkNameIsFree(config.name, domain: domain, except: nil, db)
        try db.execute(
            sql: """
                INSERT INTO scheduler_config (id, domain, name, operation, family, created_at, document, next_due)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, domain, config.name, config.operation.name, config.family?.name ?? "", now.nanoseconds, document,
                config.nextDue(after: now)?.nanoseconds,
            ])
        return document
    }

    /// `replaceSchedulerConfig` inside a transaction the caller holds (a seed's).
    package func replaceSchedulerConfig(id: String, domain: String, config: SchedulerConfig, at now: Timestamp, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM scheduler_config WHERE (domain = ? AND name = ?) OR id = ?", arguments: [domain, config.name, id])
        try db.execute(
            sql: "INSERT INTO scheduler_config (id, domain, name, operation, family, created_at, document, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                id, domain, config.name, config.operation.name, config.family?.name ?? "", now.nanoseconds,
                config.document(id: id, createdAt: now, updatedAt: now),
                config.nextDue(after: now)?.nanoseconds,
            ])
    }

    /// Replaces a configuration's members (a `PATCH`); nil when there is none with that id in the domain.
    package func updateSchedulerConfig(
        id: String, domain: String, _ change: (SchedulerConfig) throws -> SchedulerConfig, at now: Timestamp, _ db: Database
    ) throws -> String? {
        guard let stored = try Self.schedulerConfig(id: id, domain: domain, db) else { return nil }
        let config = try change(try SchedulerConfig(document: stored.document))
        try checkNameIsFree(config.name, domain: domain, except: id, db)
        let document = config.document(id: id, createdAt: stored.createdAt, updatedAt: now)
        try db.execute(
            sql: "UPDATE scheduler_config SET name = ?, operation = ?, family = ?, document = ?, next_due = ? WHERE id = ?",
            arguments: [config.name, config.operation.name, config.family?.name ?? "", document, config.nextDue(after: now)?.nanoseconds, id])
        return document
    }

    private func checkNameIsFree(_ name: String, domain: String, except id: String?, _ db: Database) throws {
        let holder = try String.fetchOne(db, sql: "SELECT id FROM scheduler_config WHERE domain = ? AND name = ?", arguments: [domain, name])
        if let holder, holder != id {
            throw StoreError.conflict("A job configuration named \"\(name)\" already exists in this domain (\(holder))")
        }
    }

    /// Whether any domain has a configuration with this id.
    package func schedulerConfigExists(id: String) throws -> Bool {
        try database.consistentRead { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM scheduler_config WHERE id = ?)", arguments: [id]) ?? false
        }
    }

    package func schedulerConfig(id: String, domain: String) throws -> StoredSchedulerConfig? {
        try database.consistentRead { db in try Self.schedulerConfig(id: id, domain: domain, db) }
    }

    private static func schedulerConfig(id: String, domain: String, _ db: Database) throws -> StoredSchedulerConfig? {
        try Row.fetchOne(db, sql: "SELECT * FROM scheduler_config WHERE id = ? AND domain = ?", arguments: [id, domain]).map(stored)
    }

    private static func stored(_ row: Row) -> StoredSchedulerConfig {
        StoredSchedulerConfig(
            id: row["id"], domain: row["domain"], family: row["family"], document: row["document"],
            createdAt: Timestamp(nanoseconds: row["created_at"]), nextDue: (row["next_due"] as Int64?).map(Timestamp.init(nanoseconds:)))
    }

    /// What a list of configurations matches: each filter exact, nil for any.
    package struct SchedulerConfigFilter {
        package var name: String?
        package var id: String?
        package var operation: String?
        package var disabled: Bool?

        package init(name: String? = nil, id: String? = nil, operation: String? = nil, disabled: Bool? = nil) {
            self.name = name
            self.id = id
            self.operation = operation
            self.disabled = disabled
        }
    }

    /// One domain's configurations, oldest first, filtered.
    package func schedulerConfigs(domain: String, filter: SchedulerConfigFilter, skip: Int, limit: Int) throws -> (total: Int, documents: [String]) {
        var clauses = ["domain = ?"]
        var arguments: StatementArguments = [domain]
        for (column, value) in [("name", filter.name), ("id", filter.id), ("operation", filter.operation)] {
            guard let value else { continue }
            clauses.append("\(column) = ?")
            arguments += [value]
        }
        if let disabled = filter.disabled {
            // Stores of earlier builds kept only what the client sent: no `disabled` is false.
            clauses.append("coalesce(json_extract(document, '$.disabled'), 0) = ?")
            arguments += [disabled]
        }
        let condition = clauses.joined(separator: " AND ")
        return try database.consistentRead { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM scheduler_config WHERE \(condition)", arguments: arguments) ?? 0
            var page = arguments
            page += [limit, skip]
            let documents = try String.fetchAll(
                db, sql: "SELECT document FROM scheduler_config WHERE \(condition) ORDER BY seq LIMIT ? OFFSET ?", arguments: page)
            return (total, documents)
        }
    }

    /// Every configuration of every domain, for the control API and the dashboard.
    package func allSchedulerConfigs() throws -> [StoredSchedulerConfig] {
        try database.consistentRead { db in try Row.fetchAll(db, sql: "SELECT * FROM scheduler_config ORDER BY seq").map(Self.stored) }
    }

    package func deleteSchedulerConfig(id: String, domain: String, _ db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM scheduler_config WHERE id = ? AND domain = ?", arguments: [id, domain])
        return db.changesCount > 0
    }

    /// `deleteSchedulerConfigs` inside a transaction the caller holds (a reset's).
    package func deleteSchedulerConfigs(domain: String?, _ db: Database) throws {
        if let domain {
            try db.execute(
                sql: "DELETE FROM scheduler_run WHERE config_id IN (SELECT id FROM scheduler_config WHERE domain = ?)", arguments: [domain])
            try db.execute(sql: "DELETE FROM scheduler_job WHERE domain = ?", arguments: [domain])
            try db.execute(sql: "DELETE FROM scheduler_config WHERE domain = ?", arguments: [domain])
        } else {
            for sql in ["DELETE FROM scheduler_run", "DELETE FROM scheduler_config", "DELETE FROM scheduler_job"] {
                try db.cachedStatement(sql: sql).execute()
            }
        }
    }

    /// The earliest due run of any configuration.
    package func nextSchedulerRun() throws -> Timestamp? {
        try database.consistentRead { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(next_due) FROM scheduler_config WHERE next_due IS NOT NULL").map(Timestamp.init(nanoseconds:))
        }
    }

    /// The configurations due at `time` (or before), in the order they were made.
    /// The configurations due by `time`, read in the caller's transaction: what a run writes back
    /// (its `next_due`) must come from what is stored as it runs, not from a copy read before a
    /// PATCH or a DELETE committed.
    package func schedulerConfigsDue(by time: Timestamp, _ db: Database) throws -> [StoredSchedulerConfig] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM scheduler_config WHERE next_due IS NOT NULL AND next_due <= ? ORDER BY next_due, seq",
            arguments: [time.nanoseconds]
        ).map(Self.stored)
    }

    /// One run at `due`, recorded as a job run with the id `run.id` and an event saying what it
    /// did: `started`, the id of the job it started (the engine started it), or the reason it
    /// started none (`refused`: CM refused the start, or the family already had a job in
    /// progress), or neither for an operation that starts no job. A run by the clock moves the
    /// configuration on to `nextDue`; run-now leaves its schedule alone.
    package func recordRun(
        _ config: StoredSchedulerConfig, _ run: SchedulerRun.Request, started: String?, refused: String?, nextDue: Timestamp?,
        _ db: Database
    ) throws {
        let startsJobs = !config.family.isEmpty
        let outcome = started != nil || !startsJobs ? "started" : "skipped" + (refused.map { ": " + $0 } ?? "")
        try db.execute(
            sql: "INSERT INTO job_event (family, domain, job_id, target, from_state, to_state, at) VALUES (?, ?, ?, NULL, ?, ?, ?)",
            arguments: [config.family, config.domain, started ?? config.id, "scheduler config " + config.id, outcome, run.at.nanoseconds])
        let status = started != nil ? "in_progress" : startsJobs ? "failed" : "completed"
        try db.execute(
            sql: """
                INSERT INTO scheduler_job (id, domain, config_id, name, operation, trigger, status, family, job_id, message, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                run.id, config.domain, config.id, run.name, run.operation, run.trigger.rawValue, status, startsJobs ? config.family : nil,
                started, started == nil && startsJobs ? refused : nil, run.at.nanoseconds, run.at.nanoseconds,
            ])
        if run.trigger == .schedule {
            try db.execute(sql: "UPDATE scheduler_config SET next_due = ? WHERE id = ?", arguments: [nextDue?.nanoseconds, config.id])
        }
    }

    package func setNextSchedulerRun(of id: String, to due: Timestamp?, _ db: Database) throws {
        try db.execute(sql: "UPDATE scheduler_config SET next_due = ? WHERE id = ?", arguments: [due?.nanoseconds, id])
    }

    /// The configuration that started each of these jobs, by family and job id (ids are unique
    /// within a family only: another family's job of the same id was not started by the run).
    /// Job runs name their job's family; links from stores older than them (`scheduler_run`,
    /// written no more since v8) take their configuration's.
    package func schedulerConfigIDs(startedJobs jobs: [(family: String, id: String)]) throws -> [JobKey: String] {
        guard !jobs.isEmpty else { return [:] }
        let ids = Array(Set(jobs.map(\.id)))
        return try database.consistentRead { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT family, job_id, config_id FROM scheduler_job WHERE job_id IN (\(marks)) AND family IS NOT NULL
                    UNION ALL
                    SELECT c.family, r.job_id, r.config_id FROM scheduler_run AS r JOIN scheduler_config AS c ON c.id = r.config_id
                    WHERE r.job_id IN (\(marks))
                    """, arguments: StatementArguments(ids + ids))
            return Dictionary(
                rows.map { (JobKey(family: $0["family"], id: $0["job_id"]), $0["config_id"] as String) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
