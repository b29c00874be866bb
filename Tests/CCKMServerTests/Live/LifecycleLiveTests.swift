import CCKMCore
import CCKMServer
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMEngine
@testable import CCKMMock
@testable import CCKMStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Jobs over real sockets and a real SQLite file: restarts, seeded running jobs, a polling client.
@Suite(.live()) struct LifecycleLiveTests {
    /// Issue 26: jobs that fell due while a fixture loaded were settled by the ticks after the
    /// server said it was healthy (28 s of slow answers after a 1,000,000-job load). Now the start
    /// settles them first: here every target is due the moment it loads, and none is running when
    /// the first request can arrive.
    @Test func whatFellDueDuringTheLoadIsSettledBeforeTheFirstAnswer() throws {
        let directory = try Paths.temporaryDirectory()
        let lines = (1...200).map { n in
            #"{"family":"oci","id":"10000000-0000-4000-8000-\#(String(format: "%012d", n))","createdAt":"-1m","overall_status":"in_progress","vaults":["v-\#(n)"]}"#
        }
        let fixture = directory + "/running.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: fixture, atomically: true, encoding: .utf8)
        let live = try LiveServer(fixtures: [fixture], simulator: SimulatorSettings(targetDuration: 0...0))
        let running = try live.server.store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE status = 'in_progress'")
        }
        #expect(running == 0, "settled before the server answered")
        #expect(try live.server.store.count() == 200)
    }

    @Test func runningJobFinishesOnScheduleAfterARestart() async throws {
        let settings = SimulatorSettings(targetDuration: 2...8)
        let first = try LiveServer(fixtures: [], simulator: settings)
        let started = try await first.post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings": ["a", "b", "c"]}"#)
        #expect(started.status == 201)
        let id = try #require(started.json["id"]?.stringValue)
        _ = try await first.post("/__admin/clock/advance", #"{"seconds": 1}"#)
        let schedule = try first.server.app.engine.store.lastDueTime()
        first.stop()

        // Same directory, same manual clock start: the schedule on disk carries on.
        let second = try LiveServer(fixtures: [], directory: first.directory, simulator: settings)
        #expect(try second.server.app.engine.store.lastDueTime() == schedule)
        #expect(try await second.get("/api/v1/cckm/google/synchronization-jobs/" + id).json["overall_status"]?.stringValue == "in_progress")
        _ = try await second.post("/__admin/clock/advance", #"{"seconds": 8}"#)
        let done = try await second.get("/api/v1/cckm/google/synchronization-jobs/" + id)
        #expect(done.json["overall_status"]?.stringValue == "completed")
        #expect(done.json["completed_at"]?.stringValue == schedule?.description)
    }

    @Test func seededRunningJobsProgressFromLoadUnlessHeld() async throws {
        let directory = try Paths.temporaryDirectory()
        let fixture = directory + "/running.json"
        let text = """
            {"jobs": [
              {"family": "oci", "id": "11111111-1111-4111-8111-111111111111", "createdAt": "2020-11-05T06:00:00Z",
               "overall_status": "in progress", "vaults": ["v1", "v2"],
               "detailed_status": {"v1": "vault synchronized successfully", "v2": "in progress"}},
              {"family": "dsm", "id": "22222222-2222-4222-8222-222222222222", "createdAt": "2020-11-05T06:00:00Z", "domains": ["d1"]},
              {"family": "sap", "id": "33333333-3333-4333-8333-333333333333", "createdAt": "2020-11-05T06:00:00Z", "groups": ["g"],
               "simulate": false}
            ]}
            """
        _ = FileManager.default.createFile(atPath: fixture, contents: Data(text.utf8))
        let live = try LiveServer(fixtures: [fixture], simulator: SimulatorSettings(targetDuration: 5...5))
        _ = try await live.post("/__admin/clock/advance", #"{"seconds": 5}"#)
        let oci = try await live.get("/api/v1/cckm/oci/synchronization-jobs/11111111-1111-4111-8111-111111111111")
        #expect(oci.json["overall_status"]?.stringValue == "completed")
        #expect(oci.detailed == ["v1=vault synchronized successfully", "v2=vault synchronized successfully"])
        #expect(oci.json["completed_at"]?.stringValue == "2020-11-05T06:38:30.308834Z", "5 s after the load, on the manual clock")
        let dsm = try await live.get("/api/v1/cckm/dsm/refresh/22222222-2222-4222-8222-222222222222")
        #expect(dsm.json["overall_status"]?.stringValue == "completed" && dsm.detailed == ["d1=domain synchronized successfully"])
        _ = try await live.post("/__admin/jobs/settle")
        let held = try await live.get("/api/v1/cckm/sap/synchronization-jobs/33333333-3333-4333-8333-333333333333")
        #expect(held.json["overall_status"]?.stringValue == "in_progress" && held.json["updatedAt"]?.stringValue == "2020-11-05T06:00:00.000000Z")
    }
}
