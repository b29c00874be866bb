import CCKMCore
import GRDB

/// Named copies of the jobs, their schedules and events, the scheduler's tables, the fake cloud and the inventory
/// (`snapshot_*`, migration v4 and after). Its writes take the engine's `Database`.
package struct SnapshotTable: Sendable {
    let database: any DatabaseReader
    /// A restore replaces every job: every cached answer goes.
    package let generations: JobGenerations

    /// The tables a snapshot copies; `job_count` is not among them, its triggers rebuild it.
    package static let snapshotTables = [
        "job", "job_document", "job_target", "job_schedule", "job_event", "scheduler_config", "scheduler_run", "scheduler_job", "cloud_key",
        "cm_key", "cm_resource",
    ]

    /// Saves every job, schedule and event under `name` (replacing a snapshot of that name), with
    /// the clock's time.
    package func saveSnapshot(_ name: String, clock: Timestamp, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM snapshot WHERE name = ?", arguments: [name])
        for table in Self.snapshotTables {
            try db.execute(sql: "DELETE FROM snapshot_\(table) WHERE snapshot = ?", arguments: [name])
            try db.execute(sql: "INSERT INTO snapshot_\(table) SELECT ?, * FROM \(table)", arguments: [name])
        }
        let jobs = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job") ?? 0
        try db.execute(sql: "INSERT INTO snapshot (name, clock, jobs) VALUES (?, ?, ?)", arguments: [name, clock.nanoseconds, jobs])
    }

    /// Puts the jobs, schedules and events back as saved; returns the clock's time then. 404 for an unknown name.
    package func restoreSnapshot(_ name: String, _ db: Database) throws -> Timestamp {
        generations.touchAll()
        guard let clock = try Int64.fetchOne(db, sql: "SELECT clock FROM snapshot WHERE name = ?", arguments: [name]) else {
            throw StoreError.notFound("No snapshot named \"\(name)\"")
        }
        try db.execute(
            sql:
                "DELETE FROM job; DELETE FROM job_event; DELETE FROM job_count; DELETE FROM scheduler_config; DELETE FROM scheduler_run; DELETE FROM scheduler_job; DELETE FROM cloud_key; DELETE FROM cm_key; DELETE FROM cm_resource"
        )
        for table in Self.snapshotTables {
            let columns = try db.columns(in: table).map(\.name).joined(separator: ", ")
            try db.execute(
                sql: "INSERT INTO \(table) (\(columns)) SELECT \(columns) FROM snapshot_\(table) WHERE snapshot = ?", arguments: [name])
        }
        return Timestamp(nanoseconds: clock)
    }

    package func all() throws -> [(name: String, clock: Timestamp, jobs: Int)] {
        try database.consistentRead { db in
            try Row.fetchAll(db, sql: "SELECT name, clock, jobs FROM snapshot ORDER BY name").map {
                ($0["name"], Timestamp(nanoseconds: $0["clock"]), $0["jobs"])
            }
        }
    }

    @discardableResult
    package func deleteSnapshot(_ name: String, _ db: Database) throws -> Bool {
        for table in Self.snapshotTables {
            try db.execute(sql: "DELETE FROM snapshot_\(table) WHERE snapshot = ?", arguments: [name])
        }
        try db.execute(sql: "DELETE FROM snapshot WHERE name = ?", arguments: [name])
        return db.changesCount > 0
    }
}
