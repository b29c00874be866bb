import CCKMCore
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import GRDB
import TestSupport
import Testing

@testable import CCKMEngine
@testable import CCKMMock

/// Data folders outlive builds (Docker volumes, CI caches): a store made by an earlier landed build
/// must open, migrate, keep its jobs and snapshots, and take a bulk load. The stores in
/// `Tests/CCKMServerTests/Stores` were made by those builds (a few jobs, a snapshot), one folder each.
@Suite(.inProcess()) struct StoreHistoryTests {
    static let folder = Paths.repository + "/Tests/CCKMServerTests/Stores"
    static var stores: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() }

    /// Every table, index and trigger, by name, with its SQL: what the migrations made.
    static func schema(_ store: JobStore) throws -> [String: String] {
        try store.database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'")
            return Dictionary(
                uniqueKeysWithValues: rows.map {
                    ($0["name"] as String, ($0["sql"] as String).split(whereSeparator: \.isWhitespace).joined(separator: " "))
                })
        }
    }

    @Test func theEarlierBuildsStoresAreHere() {
        #expect(Self.stores.count >= 2, "stores of the last landed builds")
    }

    @Test(arguments: stores)
    func aStoreMadeByAnEarlierBuildOpensMigratesAndTakesABulkLoad(name: String) throws {
        let directory = try Paths.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Self.folder + "/" + name + "/jobs.sqlite", toPath: directory + "/jobs.sqlite")
        let fresh = try JobStore(location: .directory(try Paths.temporaryDirectory()))
        do {
            let store = try JobStore(location: .directory(directory))
            #expect(try store.reader.count() == 8, "its jobs are kept")
            try Self.expectTargetCopiesAgree(store)
            #expect(try Self.schema(store) == Self.schema(fresh), "the migrations make what the earlier build made, and add the rest")
            try store.deleteJobs()
            _ = try store.restoreSnapshot("before")
            #expect(try store.reader.count() == 8, "its snapshot restores")
            try Self.expectTargetCopiesAgree(store)
            try store.deleteJobs()
        }

        // A JSON Lines fixture into the emptied store takes the bulk path: indexes dropped and
        // rebuilt. The store is the app's now, alone on the file (the bulk path changes its journal mode).
        let lines = (0..<300).map { n in
            #"{"family":"dsm","id":"\#(TestJobs.id(n))","createdAt":"2021-01-01T00:00:00Z","overall_status":"completed","domains":["d\#(n % 7)"]}"#
        }
        let path = directory + "/many.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let app = try InProcessApp(store: .directory(directory))
        var fixture = Fixture()
        fixture.streams = [path]
        try app.app.engine.seed(fixture, alone: true)
        let store = app.app.engine.store
        #expect(try store.reader.count() == 300)
        #expect(try Self.schema(store) == Self.schema(fresh), "the bulk load rebuilt every index and trigger it dropped")
        #expect(try app.get("/api/v1/cckm/dsm/refresh?domains=d3&limit=0").total == 43)
        #expect(try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#).status == 201)
    }

    /// `job_target` keeps copies of its job's creation time and status, and `job_target_count` its
    /// rows per value and status: a migration that added them must have filled them in.
    static func expectTargetCopiesAgree(_ store: JobStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (copies, counts, targets) = try store.database.read { db in
            (
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) FROM job_target AS t JOIN job AS j ON j.seq = t.job WHERE t.created_at != j.created_at OR t.status != j.status"
                ),
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM (SELECT family, domain, value, status, count(*) AS rows FROM job_target GROUP BY 1, 2, 3, 4) AS g
                        LEFT JOIN job_target_count AS c USING (family, domain, value, status) WHERE c.n IS NOT g.rows
                        """),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job_target")
            )
        }
        #expect(copies == 0, "creation times and statuses copied", sourceLocation: sourceLocation)
        #expect(counts == 0, "target counts are the rows'", sourceLocation: sourceLocation)
        #expect((targets ?? 0) > 0, "the store has targets to check", sourceLocation: sourceLocation)
    }

    /// What the bulk loader and a large full reset drop and build again must be what the migrations made.
    @Test func theBulkLoadersStatementsAreTheMigrations() throws {
        let schema = try Self.schema(JobStore(location: .directory(try Paths.temporaryDirectory())))
        for statement in [StoreSchema.uniqueJobIndex] + StoreSchema.listIndexes + StoreSchema.countTriggers + StoreSchema.uncountTriggers {
            let words = statement.split(whereSeparator: \.isWhitespace)
            let name = String(words[words.firstIndex { $0 == "ON" || $0 == "AFTER" }! - 1])
            #expect(schema[name] == words.joined(separator: " "), "\(name)")
        }
    }
}
