import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import CCKMCore
@testable import CCKMEngine
@testable import CCKMMock
@testable import CCKMStore

/// Issue 26: a start-up load ends the running jobs already due as it plans them
/// (`PlannedJob.settle`) instead of storing them running and settling them after the load (14.5 s
/// for 49,839 jobs of a 1,000,000-job fixture). What it stores must be what the advance would
/// have stored: the same documents and the same events in the same order.
@Suite(.inProcess()) struct SettleInLoadTests {
    /// Running jobs of several targets: some half done, some with none named (every target
    /// runs), one held; outcomes drawn with a failure rate, so both endings occur.
    static let lines = (1...60).map { n -> String in
        let id = "20000000-0000-4000-8000-\(String(format: "%012d", n))"
        switch n % 4 {
        case 0:
            return #"{"family":"oci","id":"\#(id)","createdAt":"-1m","overall_status":"in_progress","vaults":["a-\#(n)","b-\#(n)","c-\#(n)"]}"#
        case 1:
            return #"{"family":"google","id":"\#(id)","createdAt":"-2m","overall_status":"in_progress","key_rings":["r-\#(n)","s-\#(n)"],"#
                + #""detailed_status":{"r-\#(n)":"key ring synchronized successfully","s-\#(n)":"in_progress"}}"#
        case 2:
            return
                #"{"family":"azure","id":"\#(id)","createdAt":"-3m","overall_status":"in_progress","key_vaults":["k-\#(n)","l-\#(n)"],"detailed_status":{}}"#
        default:
            return #"{"family":"oci","id":"\#(id)","createdAt":"-4m","overall_status":"completed","vaults":["d-\#(n)"]}"#
        }
    }

    /// Every target due the moment it is planned (durations of 0 on the manual clock).
    static let settings = SimulatorSettings(targetDuration: 0...0, failureRate: 0.4)

    static func fixture(streamed: Bool) throws -> Fixture {
        let directory = try Paths.temporaryDirectory()
        let path = directory + (streamed ? "/running.jsonl" : "/running.json")
        let text =
            streamed
            ? lines.joined(separator: "\n") + "\n"
            : #"{"jobs":["# + lines.joined(separator: ",") + "]}"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try Fixture.load(paths: [path], now: ManualClock.defaultStart)
    }

    /// The fixture loaded as a start-up loads it (settling as it plans), then brought to now.
    static func settledInLoad(streamed: Bool) throws -> (InProcessApp, leftToCatchUp: Int) {
        let app = try InProcessApp(settings: settings, seed: 5)
        try app.app.engine.seed(try fixture(streamed: streamed), alone: true)
        return (app, try app.app.engine.catchUp())
    }

    /// The same fixture stored running, then the advance ends what is due.
    static func settledAfterLoad(streamed: Bool) throws -> InProcessApp {
        let app = try InProcessApp(settings: settings, seed: 5)
        try app.app.engine.seed(try fixture(streamed: streamed))
        _ = try app.app.engine.advanceStore(to: app.app.engine.clock.now(), chunk: -1)
        return app
    }

    @Test(arguments: [false, true]) func aJobDueAsItLoadsIsStoredAsTheAdvanceWouldStoreIt(streamed: Bool) throws {
        let (loaded, left) = try Self.settledInLoad(streamed: streamed)
        let advanced = try Self.settledAfterLoad(streamed: streamed)
        #expect(left == 0, "nothing left for the catch-up: the load settled it")
        let (a, b) = (try AdvanceChunkTests.outcome(loaded), try AdvanceChunkTests.outcome(advanced))
        #expect(a.documents == b.documents)
        #expect(a.events == b.events)
        #expect(a.events.count > 100, "targets and jobs ended: \(a.events.count)")
        #expect(a.documents.allSatisfy { !$0.contains(#""overall_status":"in_progress""#) })
        #expect(
            a.documents.contains { $0.contains(#""overall_status":"failed""#) }
                && a.documents.contains { $0.contains(#""overall_status":"completed""#) })
        let running = try loaded.app.store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job_schedule") }
        #expect(running == 0, "no schedule rows left behind")
        let counts = try loaded.app.store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT n FROM job_count WHERE family = 'oci' AND domain = 'root' AND status = 'in_progress'") ?? 0
        }
        #expect(counts == 0, "the counts follow the settled statuses")
    }

    /// A clock that moves `step` each time it is read, as the system clock moves during a load:
    /// the first jobs planned are not yet due when the load plans them, the later ones are.
    final class SteppingClock: SimulationClock {
        let time: Mutex<Timestamp>
        let step: Double

        init(step: Double) {
            time = Mutex(ManualClock.defaultStart)
            self.step = step
        }

        func now() -> Timestamp {
            time.withLock { time in
                defer { time = time.adding(seconds: step) }
                return time
            }
        }
        var isManual: Bool { true }
        func target(advancingBy seconds: Double) throws(ClockError) -> Timestamp { now().adding(seconds: seconds) }
        func advance(to time: Timestamp) throws(ClockError) {}
        func restore(to time: Timestamp) {}
    }

    /// Jobs planned before they were due are ended once the rows are stored (before the list
    /// indexes are built), those due as they were planned in the load: together they are stored
    /// and their events recorded as one advance after the load would have, and nothing is left
    /// for the catch-up.
    @Test(arguments: [false, true]) func jobsDueAfterTheyWerePlannedAreEndedBeforeTheLoadEnds(streamed: Bool) throws {
        let settings = SimulatorSettings(targetDuration: 0.5...1.5, failureRate: 0.4)
        let loaded = try InProcessApp(settings: settings, seed: 9, clock: SteppingClock(step: 0.05))
        try loaded.app.engine.seed(try Self.fixture(streamed: streamed), alone: true)
        #expect(try loaded.app.engine.catchUp() == 0)
        let advanced = try InProcessApp(settings: settings, seed: 9, clock: SteppingClock(step: 0.05))
        try advanced.app.engine.seed(try Self.fixture(streamed: streamed))
        _ = try advanced.app.engine.advanceStore(to: try #require(Timestamp(rfc3339: "2100-01-01T00:00:00Z")), chunk: -1)
        let (a, b) = (try AdvanceChunkTests.outcome(loaded), try AdvanceChunkTests.outcome(advanced))
        #expect(a.documents == b.documents)
        #expect(a.events == b.events && a.events.count > 100)
        #expect(a.documents.allSatisfy { !$0.contains(#""overall_status":"in_progress""#) })
    }

    /// A job with a target not yet due is left whole, for the advance: ending its failed target
    /// here would hide the failure from the advance, which completed such a job as `completed`.
    @Test func aJobWithATargetNotYetDueIsLeftWhole() throws {
        let job =
            try Job.decode(
                document:
                    #"{"id":"30000000-0000-4000-8000-000000000001","createdAt":"2020-01-01T00:00:00Z","overall_status":"in_progress","vaults":["a","b"]}"#,
                family: JobFamily.named("oci")!, domain: "root")
        let start = ManualClock.defaultStart
        let schedule = [
            ScheduledTarget(target: "b", dueAt: start.adding(seconds: 5), outcome: .succeeds, message: "b done"),
            ScheduledTarget(target: "a", dueAt: start.adding(seconds: 1), outcome: .fails, message: "a failed"),
        ]
        var planned = PlannedJob(job: job, schedule: schedule)
        #expect(planned.settle(by: start.adding(seconds: 2)).isEmpty)
        #expect(planned == PlannedJob(job: job, schedule: schedule), "untouched")
        let events = planned.settle(by: start.adding(seconds: 5))
        #expect(events.map(\.to) == ["a failed", "b done", "failed"] && planned.job.status == .failed && planned.schedule.isEmpty)
        #expect(planned.job.completedAt == start.adding(seconds: 5) && planned.job.updatedAt == start.adding(seconds: 5))
    }
}
