import GRDB

extension JobStore {
    /// Stores every job `produce` hands to its `insert` closure, replacing jobs of the same family
    /// and id, in one transaction: a large fixture loads whole or not at all (a throw from
    /// `produce` rolls everything back, nothing half-loaded is ever served).
    ///
    /// When the store holds no job at the start (a fresh store, or after a reset) the load takes
    /// the bulk path: the list indexes, the id index and the count trigger are dropped, the rows
    /// appended, and the indexes built again and the counts taken once at the end. Measured on
    /// 1,000,000 generated jobs: 105 s keeping the indexes (even with a 256 MB page cache), 58 s
    /// dropping and rebuilding them (of which 15 s are the builds).
    public func bulkReplace(_ produce: (_ insert: ([PreparedJob]) throws -> Void) throws -> Void) throws {
        try write { db in
            let empty = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM job)") ?? false
            guard empty else {
                try produce { batch in try replace(batch, db) }
                return
            }
            for statement in [StoreSchema.uniqueJobIndex] + StoreSchema.listIndexes {
                try db.execute(sql: "DROP INDEX \(StoreSchema.indexName(statement))")
            }
            try db.execute(sql: "DROP TRIGGER job_counted")
            try db.execute(sql: "PRAGMA cache_size = -\(Self.bulkCacheKilobytes)")
            defer { try? db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKilobytes)") }
            try produce { batch in try replace(batch, db, deletingFirst: false) }
            for statement in StoreSchema.listIndexes { try db.execute(sql: statement) }
            try createUniqueJobIndexKeepingLatest(db)
            try db.execute(
                sql: """
                    DELETE FROM job_count;
                    INSERT INTO job_count SELECT family, domain, status, count(*) FROM job GROUP BY family, domain, status;
                    \(StoreSchema.countTrigger);
                    """)
        }
    }

    /// The unique id index; when a fixture held the same family and id twice, the later job wins
    /// (as it does on the row-by-row path) and the earlier ones go first.
    private func createUniqueJobIndexKeepingLatest(_ db: Database) throws {
        do {
            try db.execute(sql: StoreSchema.uniqueJobIndex)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            try db.execute(
                sql: """
                    CREATE INDEX job_by_id_and_seq ON job(family, id, seq);
                    DELETE FROM job WHERE EXISTS (
                        SELECT 1 FROM job AS later WHERE later.family = job.family AND later.id = job.id AND later.seq > job.seq);
                    DROP INDEX job_by_id_and_seq;
                    """)
            try db.execute(sql: StoreSchema.uniqueJobIndex)
        }
    }
}

/// A job ready for the store: planned, its JSON rendered (which a bulk load does on the reading
/// thread, off the writer's).
public struct PreparedJob: Sendable {
    public var planned: PlannedJob
    public var document: String

    public init(_ planned: PlannedJob) {
        self.planned = planned
        self.document = planned.job.json
    }
}
