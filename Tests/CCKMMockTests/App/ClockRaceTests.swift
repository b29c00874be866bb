import CCKMCore
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMEngine
@testable import CCKMMock

/// Round four's races with the clock (issue 31 #13, #14): what a move or a write changes is read
/// where it is changed, not earlier.
@Suite(.inProcess()) struct ClockRaceTests {
    static let oci = JobFamily.named("oci")!

    /// #14: a start planned as its request arrived and stored after an advance kept the clock of
    /// before, and was created before the family's previous job ended.
    @Test func aStartStoredAfterAnAdvanceIsCreatedAtTheClockThatStoresIt() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5))
        let first = try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#)
        #expect(first.status == 201)
        let request = try StartRequest.parse(body: Array(#"{"vaults":["w"]}"#.utf8), family: Self.oci)
        let command = try app.app.engine.startCommand(family: Self.oci, domain: Job.rootDomain, request: request)
        try app.advance(60)
        let stored = try JSONParser.parse(Array(try app.app.engine.perform(command).utf8))
        let now = app.app.engine.clock.now().description
        #expect(stored["createdAt"]?.stringValue == now, "stamped with the clock that stored it")
        let previous = try app.get("/api/v1/cckm/oci/synchronization-jobs/\(first.json["id"]!.stringValue!)")
        let ended = try #require(previous.json["completed_at"]?.stringValue)
        #expect(ended < stored["createdAt"]!.stringValue!, "after the family's previous job ended")
        try app.advance(5)
        #expect(try app.get("/api/v1/cckm/oci/synchronization-jobs/\(stored["id"]!.stringValue!)").json["overall_status"] == .string("completed"))
    }

    /// #13: an advance read the due configurations before its transaction and wrote `next_due`
    /// back from that copy, so a PATCH `{"disabled": true}` committed meanwhile was undone and the
    /// configuration ran again. Advances and disabling PATCHes race here; no configuration may run
    /// at a time after its PATCH was answered.
    @Test func aConfigurationDisabledDuringAnAdvanceNeverRunsAgain() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...1, allowConcurrentJobs: true))
        let ids = try (0..<12).map { index in
            let body =
                #"{"name":"c\#(index)","operation":"cckm_synchronization","run_at":"* * * * *","cckm_synchronization_params":{"cloud_name":"oci","vaults":["v\#(index)"]}}"#
            return try #require(try app.post("/api/v1/scheduler/job-configs", body).json["id"]?.stringValue)
        }
        let advancing = Thread {
            for _ in 0..<60 { _ = try? app.advance(60) }
        }
        advancing.start()
        func runs(_ id: String) throws -> Int { try app.get("/api/v1/scheduler/jobs?limit=0&job_config_id=\(id)").total ?? -1 }
        var whenDisabled: [String: Int] = [:]
        for id in ids {
            usleep(2_000)
            #expect(try app.send("PATCH", "/api/v1/scheduler/job-configs/\(id)", body: #"{"disabled":true}"#).status == 200)
            whenDisabled[id] = try runs(id)
        }
        try blockUntil("the 60 advances to end") { advancing.isFinished }
        _ = try app.advance(600)
        for id in ids {
            #expect(try runs(id) == whenDisabled[id], "configuration \(id) ran after its PATCH disabled it")
        }
    }

    /// #13, the write-back: an advance that read a configuration before a PATCH disabled it wrote
    /// its `next_due` back, and the next advance ran the disabled configuration. Here that stale
    /// write is made directly; the clock must still run no disabled configuration.
    @Test func theClockRunsNoDisabledConfigurationWhateverItsNextDueSays() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...1))
        let body =
            #"{"name":"c","operation":"cckm_synchronization","run_at":"* * * * *","cckm_synchronization_params":{"cloud_name":"oci","vaults":["v"]}}"#
        let id = try #require(try app.post("/api/v1/scheduler/job-configs", body).json["id"]?.stringValue)
        #expect(try app.send("PATCH", "/api/v1/scheduler/job-configs/\(id)", body: #"{"disabled":true}"#).status == 200)
        let store = app.app.store
        let soon = app.app.engine.clock.now().adding(seconds: 30)
        _ = try app.app.engine.perform(
            Command(changesJobs: false) { db in try store.scheduler.setNextSchedulerRun(of: id, to: soon, db) })
        _ = try app.advance(600)
        #expect(try app.get("/api/v1/scheduler/jobs?limit=0&job_config_id=\(id)").total == 0)
        #expect(try app.get("/__admin/jobs?family=oci").total == 0, "no job started")
    }

    /// Issue 42 #21 (from round four): with starts and 1-2 s advances on one family, a job was
    /// created before its predecessor completed (`completed_at` 06:39:23.29, the next job created
    /// 06:39:22.31): the advance moved the clock once all its ends were stored, and a start that
    /// came between two of its transactions was stamped with the clock of before. One running job
    /// per family and domain holds in the clock's time, not only in commit order.
    @Test func aStartRacingAnAdvanceNeverOverlapsItsPredecessor() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...2))
        let path = "/api/v1/cckm/oci/synchronization-jobs"
        let advancing = Thread {
            for round in 0..<600 { _ = try? app.post("/__admin/clock/advance", #"{"seconds": \#(1 + Double(round % 3) / 2)}"#) }
        }
        advancing.start()
        var started = 0
        while !advancing.isFinished {
            if try app.post(path, #"{"vaults":["v"]}"#).status == 201 { started += 1 }
        }
        try blockUntil("the advances to end") { advancing.isFinished }
        _ = try app.post("/__admin/clock/advance", #"{"seconds": 10}"#)
        let jobs = try #require(try app.get(path + "?limit=-1&sort=createdAt").json["resources"]?.arrayValue)
        #expect(jobs.count == started && started > 10, "\(started) started")
        for (before, after) in zip(jobs, jobs.dropFirst()) {
            let ended = try #require(before["completed_at"]?.stringValue.flatMap(Timestamp.init(rfc3339:)))
            let created = try #require(after["createdAt"]?.stringValue.flatMap(Timestamp.init(rfc3339:)))
            #expect(created >= ended, "\(before["id"]?.stringValue ?? "") ended \(ended); the next was created \(created)")
        }
    }
}
