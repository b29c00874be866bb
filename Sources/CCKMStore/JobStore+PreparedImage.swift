import CCKMCore
import GRDB

/// The store's side of a prepared scenario (`PreparedImage`): writing one, taking one in whole at
/// a start, and copying its jobs back at a reset.
extension JobStore {
    /// The schema name a reset attaches the prepared file under.
    package static let preparedSchema = "prepared"

    /// Takes the prepared file in whole: a `:memory:` store's start (a file store's start copies the
    /// file before opening it, `PreparedImage.install`).
    package func load(_ image: PreparedImage) throws {
        var configuration = Configuration()
        configuration.readonly = true
        try DatabaseQueue(path: image.path, configuration: configuration).backup(to: database)
        generations.touchAll()
    }

    /// Moves the due times of what has not happened yet by `offset` (a prepared scenario's plans,
    /// made at its preparation, to a start or a reset now): the targets still running. A target
    /// that never ends (`Timestamp.never`) stays so. (Its scheduler configurations are stored from
    /// its fixtures' texts by each start and reset, planned from then.)
    package func shiftPlans(byNanoseconds offset: Int64, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE job_schedule SET due_at = due_at + ? WHERE done = 0 AND due_at < ?",
            arguments: [offset, Timestamp.never.nanoseconds])
    }

    /// Attaches the prepared file to the writer's connection (outside any transaction, as SQLite
    /// requires) for `copyPreparedJobs`; `detachPrepared` after.
    /// Refused with a conflict (and nothing attached) when the file is not the one the server
    /// started from (`PreparedImage.checkUnchanged`, then its id once attached).
    package func attachPrepared(_ image: PreparedImage, _ db: Database) throws {
        try image.checkUnchanged()
        try db.execute(sql: "ATTACH DATABASE ? AS \(Self.preparedSchema)", arguments: [image.path])
        guard try String.fetchOne(db, sql: "SELECT id FROM \(Self.preparedSchema).prepared_scenario") == image.id else {
            try detachPrepared(db)
            throw InputError.conflict(
                "The prepared scenario \(image.path) was replaced since the server started; restart the server to reset to what it holds now")
        }
    }

    package func detachPrepared(_ db: Database) throws {
        try db.execute(sql: "DETACH DATABASE \(Self.preparedSchema)")
    }

    /// How many jobs the attached prepared file holds (of `domain` only, when given).
    package func preparedJobCount(domain: String?, _ db: Database) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT coalesce(sum(n), 0) FROM \(Self.preparedSchema).job_count WHERE ?1 IS NULL OR domain = ?1", arguments: [domain]) ?? 0
    }

    /// The attached prepared file's jobs (of `domain` only, when given), their documents, targets,
    /// plans and events, appended to this store's, in the caller's transaction. Their `seq`s move
    /// past the store's greatest, keeping their order: a domain's reset puts its jobs back beside
    /// other domains' jobs started meanwhile, whose `seq`s may be the ones the file used. (By
    /// arithmetic, not a table of old and new: a temporary table would open SQLite's temporary
    /// database, after which the bulk path may not set where it sorts.) The targets still running
    /// are due `offset` nanoseconds later than the file planned them (`shiftPlans`).
    package func copyPreparedJobs(domain: String?, shiftingPlansBy offset: Int64, _ db: Database) throws {
        generations.touchAll()
        let file = Self.preparedSchema
        let base =
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT (SELECT coalesce(max(seq), 0) FROM main.job) - (SELECT coalesce(min(seq), 1) FROM \(file).job WHERE ?1 IS NULL OR domain = ?1) + 1
                    """, arguments: [domain]) ?? 0
        // Every column but the one that names the job, as the migrations made them.
        for (table, seqColumn) in [("job", "seq"), ("job_document", "seq"), ("job_target", "job"), ("job_schedule", "seq")] {
            let rest = try db.columns(in: table, in: "main").map(\.name).filter { $0 != seqColumn }
            let columns = ([seqColumn] + rest).joined(separator: ", ")
            let mine = "(?3 IS NULL OR t.\(seqColumn) IN (SELECT seq FROM \(file).job WHERE domain = ?3))"
            let values = (["t.\(seqColumn) + ?4"] + rest.map { $0 == "due_at" ? Self.shiftedDueAt : "t." + $0 }).joined(separator: ", ")
            try db.execute(
                sql: """
                    INSERT INTO main.\(table) (\(columns))
                        SELECT \(values) FROM \(file).\(table) AS t WHERE \(mine) ORDER BY t.\(seqColumn)
                    """, arguments: [offset, Timestamp.never.nanoseconds, domain, base])
        }
        let events = try db.columns(in: "job_event", in: "main").map(\.name).filter { $0 != "id" }.joined(separator: ", ")
        try db.execute(
            sql: "INSERT INTO main.job_event (\(events)) SELECT \(events) FROM \(file).job_event WHERE ?1 IS NULL OR domain = ?1 ORDER BY id",
            arguments: [domain])
    }

    /// The attached prepared file's fake cloud (at a full reset) and inventory records (of `domain`
    /// only, when given), in the caller's transaction, after `InventoryTable.deleteAll`.
    package func copyPreparedInventory(domain: String?, _ db: Database) throws {
        let file = Self.preparedSchema
        for table in domain == nil ? ["cloud_key", "cm_key"] : ["cm_key"] {
            let columns = try db.columns(in: table, in: "main").map(\.name).filter { $0 != "seq" }.joined(separator: ", ")
            try db.execute(
                sql: """
                    INSERT INTO main.\(table) (\(columns)) SELECT \(columns) FROM \(file).\(table)
                    WHERE \(table == "cm_key" ? "?1 IS NULL OR domain = ?1" : "1") ORDER BY seq
                    """, arguments: table == "cm_key" ? [domain] : [])
        }
    }

    /// `due_at` of a copied plan, moved as `shiftPlans` moves it (arguments: the offset, then `never`).
    private static let shiftedDueAt = "CASE WHEN t.done = 0 AND t.due_at < ?2 THEN t.due_at + ?1 ELSE t.due_at END"

    /// Makes this store a prepared scenario's: its description and fixture texts in tables of their
    /// own, and no record of the preparing process's start (a server's start counts from 1).
    package func describePrepared(id: String, preparedAt: Timestamp, texts: [Fixture.Text], _ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM server_start;
                \(PreparedImage.tables)
                INSERT INTO prepared_scenario SELECT ?, ?, coalesce(sum(n), 0) FROM job_count;
                """, arguments: [id, preparedAt.nanoseconds])
        for (position, text) in texts.enumerated() {
            try db.execute(sql: "INSERT INTO prepared_fixture VALUES (?, ?, ?)", arguments: [position, text.source, text.text])
        }
    }

    /// Writes the whole store, compacted, to `path` (which must not exist): `VACUUM INTO`, on the
    /// writer's connection outside any transaction.
    package func writeCopy(to path: String, _ db: Database) throws {
        try db.execute(sql: "VACUUM INTO ?", arguments: [path])
    }
}
