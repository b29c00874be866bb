import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The control API's deferred answers on real connections: suspended, resumed, dropped.
@Suite(.live()) struct ControlLiveTests {
    static func parked(_ live: LiveServer) async throws {
        try await eventually("the wait request to be parked") { live.server.app.waiters.count > 0 }
    }

    @Test func waitOnASuspendedConnectionIsAnsweredByAnAdvance() async throws {
        let live = try LiveServer(fixtures: [], simulator: SimulatorSettings(targetDuration: 3...3))
        let id = try #require(try await live.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#).json["id"]?.stringValue)
        async let waited = live.get("/__admin/jobs/\(id)/wait?status=completed&timeout=30s")
        try await Self.parked(live)
        // Other requests are served while the wait holds its connection.
        #expect(try await live.get("/__admin/health").status == 200)
        _ = try await live.post("/__admin/clock/advance", #"{"seconds": 3}"#)
        let reply = try await waited
        #expect(reply.status == 200 && reply.json["overall_status"]?.stringValue == "completed")
    }

    /// Issue 24 #21: a wait on a job that a reset or a restore removed answered 408 at its full
    /// timeout; now 404 at once.
    @Test(arguments: ["reset", "restore"])
    func aWaitOnARemovedJobIs404AtOnce(how: String) async throws {
        let live = try LiveServer(fixtures: [], simulator: SimulatorSettings(targetDuration: 3...3))
        #expect(try await live.post("/__admin/snapshots/empty").status == 201)
        let id = try #require(try await live.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#).json["id"]?.stringValue)
        let started = ContinuousClock.now
        async let waited = live.get("/__admin/jobs/\(id)/wait?timeout=30s")
        try await Self.parked(live)
        _ = try await live.post(how == "reset" ? "/__admin/reset" : "/__admin/snapshots/empty/restore")
        try await waited.expectError(status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "was removed")
        #expect(ContinuousClock.now - started < .seconds(20), "answered by the removal, not the timeout")
        #expect(live.server.app.waiters.count == 0)
    }

    /// Issue 24 #11: 32 concurrent advances of 600 s moved the clock 2 h 40 m instead of 5 h 20 m,
    /// and a due time ran twice. Each advance now has the clock to itself.
    @Test func concurrentAdvancesAddUpAndRunEachDueTimeOnce() async throws {
        let live = try LiveServer(fixtures: [])
        let backup = #"{"name":"ten","operation":"database_backup","run_at":"*/10 * * * *","database_backup_params":{"scope":"system"}}"#
        #expect(try await live.post("/api/v1/scheduler/job-configs", backup).status == 201)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<32 { group.addTask { try await live.post("/__admin/clock/advance", #"{"seconds":600}"#).status } }
            for try await status in group { #expect(status == 200) }
        }
        let now = try #require(try await live.get("/__admin/clock").json["now"]?.stringValue)
        #expect(now == ManualClock.defaultStart.adding(seconds: 32 * 600).description)
        let runs = try await live.get("/api/v1/scheduler/jobs?limit=-1")
        let times = runs.json["resources"]?.arrayValue?.compactMap { $0["createdAt"]?.stringValue } ?? []
        #expect(times.count == 32 && Set(times).count == 32, "one run per ten minutes: \(times.count) runs, \(Set(times).count) distinct")
    }

    @Test func parkedWaitsGet503WhenTheServerStops() async throws {
        let live = try LiveServer(fixtures: [], simulator: SimulatorSettings(targetDuration: 3...3))
        let id = try #require(try await live.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#).json["id"]?.stringValue)
        async let waited = live.get("/__admin/jobs/\(id)/wait?timeout=30s")
        try await Self.parked(live)
        live.stop()
        try await waited.expectError(
            status: 503, code: 14, codeDesc: "NCERRServiceUnavailable: Service unavailable", messageContains: "stopping")
    }

    @Test func droppedConnectionAndDelayedAnswer() async throws {
        let live = try LiveServer(fixtures: [])
        // No `times`: HTTP clients retry a GET once when a reused connection dies, so a one-shot drop would be hidden.
        _ = try await live.post("/__admin/faults", #"{"path":"/api/v1/cckm/dsm/refresh","drop":true}"#)
        await #expect(throws: (any Error).self) { try await live.get("/api/v1/cckm/dsm/refresh") }
        #expect(try await live.send("DELETE", "/__admin/faults").status == 204)
        _ = try await live.post("/__admin/faults", #"{"path":"/api/v1/cckm/dsm/refresh","latencyMs":20,"status":502,"times":1}"#)
        try await live.get("/api/v1/cckm/dsm/refresh").expectError(
            status: 502, code: 14, codeDesc: "NCERRFault: Injected fault", messageContains: "injected by the mock")
        #expect(try await live.get("/api/v1/cckm/dsm/refresh").status == 200)
        let statuses = try await live.get("/__admin/requests?path=/api/v1/cckm/dsm/*").json["requests"]?.arrayValue?.compactMap {
            $0["status"]?.intValue
        }
        #expect(statuses?.suffix(2) == [502, 200] && statuses?.first == 0, "dropped requests are journaled with status 0")
    }
}
