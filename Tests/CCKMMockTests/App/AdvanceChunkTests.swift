import CCKMCore
import CCKMTestFixtures
import CCKMTestSupport
import GRDB
import HTTPServer
import Synchronization
import TestSupport
import Testing

@testable import CCKMEngine
@testable import CCKMMock
@testable import CCKMStore

/// Thousands of targets falling due at once are ended in transactions of `JobStore.advanceChunk`
/// (so that writes queued behind them are not held for the whole lot), with the outcome a single
/// transaction has; and a batch of logins does not wait for the jobs that fell due.
@Suite(.inProcess()) struct AdvanceChunkTests {
    /// 420 three-vault OCI jobs, all due 5 s after they start, with varied outcomes (the seed).
    static func busyApp() throws -> InProcessApp {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5, allowConcurrentJobs: true), seed: 11)
        for n in 0..<420 {
            let reply = try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["a-\#(n)","b-\#(n)","c-\#(n)"]}"#)
            #expect(reply.status == 201)
        }
        return app
    }

    /// Every job's document and every event, in order.
    static func outcome(_ app: InProcessApp) throws -> (documents: [String], events: [String]) {
        let documents = try app.app.store.database.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM job_document ORDER BY seq")
        }
        let events = try app.app.store.database.read { db in
            try String.fetchAll(db, sql: "SELECT job_id || ' ' || coalesce(target, '-') || ' ' || to_state || ' ' || at FROM job_event ORDER BY id")
        }
        return (documents, events)
    }

    @Test func chunkedAdvanceEndsAsOneTransactionWould() throws {
        let chunked = try Self.busyApp()
        let whole = try Self.busyApp()
        let target = try #require(Timestamp(rfc3339: "2100-01-01T00:00:00Z"))
        #expect(JobStore.advanceChunk < 420 * 3, "the advance below takes several chunks")
        let events = try chunked.app.engine.advanceStore(to: target)
        let single = try whole.app.engine.store.write { db in try whole.app.engine.store.advance(to: target, limit: -1, db).events }
        #expect(events.count == 420 * 4 && events == single)
        let (a, b) = (try Self.outcome(chunked), try Self.outcome(whole))
        #expect(a.documents == b.documents)
        #expect(a.events == b.events && a.events.count >= 420 * 4)
        #expect(a.documents.allSatisfy { !$0.contains(#""overall_status":"in_progress""#) })
    }

    /// Issue 24 #29: a 20,000-target job settled in chunks of 100 was decoded and written 200 times,
    /// each finish searching its list (23.6 s; 5,000 targets 1.3 s). A chunk now grows to the size
    /// of the largest job it loads, so the job is written once, with the outcome a single
    /// transaction has.
    @Test(.inProcess(.seconds(180))) func aHugeJobIsWrittenOnceWhenItsTargetsEndTogether() throws {
        func app() throws -> InProcessApp {
            let vaults = (0..<20_000).map { "\"v\($0)\"" }.joined(separator: ",")
            let text = #"{"jobs":[{"family":"oci","id":"10000000-0000-4000-8000-000000000001","createdAt":"now","vaults":["# + vaults + "]}]}"
            let fixture = try Fixture.parse(bytes: Array(text.utf8), source: "huge", now: ManualClock.defaultStart)
            return try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5), seed: 3, fixture: fixture)
        }
        let chunked = try app()
        let whole = try app()
        try chunked.app.engine.store.write { db in
            try db.execute(
                sql: """
                    CREATE TEMP TABLE saves (n INTEGER);
                    CREATE TEMP TRIGGER count_saves AFTER UPDATE ON job_document BEGIN INSERT INTO saves VALUES (1); END;
                    """)
        }
        let target = try #require(Timestamp(rfc3339: "2100-01-01T00:00:00Z"))
        let events = try chunked.app.engine.advanceStore(to: target)
        let saves = try chunked.app.store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM saves") }
        #expect(saves == 1, "written once, not once per 100 targets")
        let single = try whole.app.engine.store.write { db in try whole.app.engine.store.advance(to: target, limit: -1, db).events }
        #expect(events.count == 20_001 && events == single)
        #expect(try Self.outcome(chunked).documents == Self.outcome(whole).documents)
    }

    /// Issue 24 #29: `synchronize_all` over a large inventory passed the 1,000-target cap a body
    /// has, and AWS multiplies KMS by regions.
    @Test func noJobHasMoreTargetsThanTheCap() throws {
        let names = (0..<1001).map { "\"v\($0)\"" }.joined(separator: ",")
        #expect(throws: FixtureError.self) {
            try Fixture.parse(bytes: Array((#"{"inventory":{"oci":["# + names + "]}}").utf8), source: "big", now: ManualClock.defaultStart)
        }
        let app = try InProcessApp()
        let kms = (0..<200).map { "\"k\($0)\"" }.joined(separator: ",")
        let regions = (0..<60).map { "\"r\($0)\"" }.joined(separator: ",")
        try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["# + kms + #"],"regions":["# + regions + "]}").expectError(
            status: 400, code: 15, codeDesc: "NCERRBadRequest: Bad request",
            messageContains: "12000 targets (each KMS in each region), more than the 10000")
        #expect(try app.get("/api/v1/cckm/aws/synchronization-jobs").total == 0)
    }

    /// A chunk that fails (here a trigger stands in for a full disk) leaves the chunks before it
    /// committed, and a wait parked on a job they ended is answered; the clock moves as far as they
    /// did, and a retry ends the rest.
    @Test func aFailingChunkKeepsTheEarlierOnesAndAnswersTheirWaiters() throws {
        let app = try Self.busyApp()
        let store = app.app.engine.store
        let ids = try store.database.read { db in try String.fetchAll(db, sql: "SELECT id FROM job ORDER BY seq") }
        // All targets fall due at once, in job order: job 300's are rows 900-902, the tenth chunk.
        let (first, late) = (ids[0], ids[300])
        try store.write { db in
            try db.execute(
                sql: "CREATE TEMP TRIGGER fail_here AFTER INSERT ON job_event WHEN NEW.job_id = '\(late)' BEGIN SELECT RAISE(ABORT, 'full'); END")
        }
        let wait = HTTPRequest(
            method: "GET", path: "/__admin/jobs/\(first)/wait",
            query: [QueryItem(name: "status", value: "completed"), QueryItem(name: "timeout", value: "5m")])
        guard case .later(let start, _) = app.app.reply(to: wait) else {
            Issue.record("the wait was answered before the job ended")
            return
        }
        let answered = Mutex<Int?>(nil)
        start { response in answered.withLock { $0 = response?.status } }
        #expect(answered.withLock { $0 } == nil, "parked")
        let clock = try app.get("/__admin/clock").json["now"]
        #expect(try app.post("/__admin/clock/advance", #"{"seconds": 10}"#).status == 500)
        #expect(answered.withLock { $0 } == 200, "its job ended in a committed chunk")
        // The clock stands where the committed chunks ended their jobs, not where it was: a start
        // now must not be created before those ends (issue 42 #21), nor past them.
        let ended = try app.get("/api/v1/cckm/oci/synchronization-jobs/\(first)").json["completed_at"]
        #expect(try app.get("/__admin/clock").json["now"] == ended && ended != clock, "the clock at the committed ends")
        let running = try app.get("/api/v1/cckm/oci/synchronization-jobs?overall_status=in_progress&limit=0").total
        #expect(running == 420 - 300, "the first nine chunks (300 jobs) are kept")
        try store.write { db in try db.execute(sql: "DROP TRIGGER temp.fail_here") }
        try app.advance(10)
        #expect(try app.get("/api/v1/cckm/oci/synchronization-jobs?overall_status=in_progress&limit=0").total == 0)
    }

    /// Issue 26's write rows on a loaded store: a cancel's batch brought every job to now, so with
    /// thousands falling due it ran at 523/s with p99 691 ms. It now brings its own job only.
    @Test func aCancelBringsItsOwnJobToNowAndLeavesTheRestToTheTick() throws {
        let app = try Self.busyApp()
        let ids = try app.app.store.database.read { db in try String.fetchAll(db, sql: "SELECT id FROM job ORDER BY seq") }
        // Time passes, every target falls due, and no tick has run yet.
        try app.app.engine.clock.advance(to: ManualClock.defaultStart.adding(seconds: 6))
        try app.post("/api/v1/cckm/oci/synchronization-jobs/\(ids[0])/cancel").expectError(
            status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "is completed")
        let running = try app.app.store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE status = 'in_progress'")
        }
        #expect(running == 419, "the other jobs wait for the tick")
        try app.app.engine.tick()
        #expect(try app.get("/api/v1/cckm/oci/synchronization-jobs?overall_status=in_progress&limit=0").total == 0)
    }

    @Test func aBatchOfLoginsLeavesDueJobsToTheTick() throws {
        let store = try JobStore(location: .memory)
        let prepared = Mutex(0)
        let queue = CommandQueue(
            store: store, inline: true,
            prepare: { _, _ in
                prepared.withLock { $0 += 1 }; return []
            }, finished: { _ in })
        queue.submit(Command(changesJobs: false) { _ in "login" }, finish: { _ in })
        #expect(prepared.withLock { $0 } == 0)
        let job = JobStore.CurrentJobs.job(family: JobFamily.named("oci")!, domain: "root", id: "x")
        queue.submit(Command(judges: [job]) { _ in "cancel" }, finish: { _ in })
        #expect(prepared.withLock { $0 } == 1, "a cancel judges the jobs as they stand")
    }
}
