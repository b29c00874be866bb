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

/// Scheduler configurations live in SQLite: a restarted server runs them on.
@Suite(.live()) struct SchedulerLiveTests {
    @Test func aConfigSurvivesARestartAndRunsAfterIt() async throws {
        let directory = try Paths.temporaryDirectory()
        let first = try LiveServer(fixtures: [], directory: directory)
        let created = try await first.post("/api/v1/scheduler/job-configs", SchedulerBodies.every15)
        #expect(created.status == 201)
        first.stop()
        let second = try LiveServer(fixtures: [], directory: directory)
        #expect(try await second.get("/api/v1/scheduler/job-configs").json["resources"]?.arrayValue?.first?["id"] == created.json["id"])
        #expect(try await second.post("/__admin/clock/advance", #"{"seconds": 3600}"#).status == 200)
        let jobs = try await second.get("/__admin/jobs?family=aws&limit=-1")
        #expect(jobs.total == 4)
        #expect(jobs.json["resources"]?.arrayValue?.allSatisfy { $0["schedule"] == created.json["id"] } == true)
    }

    /// Terraform's create, read, update, list and delete over a real socket, then a run-now whose
    /// job run (and the job it started) a restarted server still has.
    @Test func terraformsShapesRoundTripAndJobRunsSurviveARestart() async throws {
        let directory = try Paths.temporaryDirectory()
        let first = try LiveServer(fixtures: [], directory: directory)
        let path = SchedulerBodies.configs
        let created = try await first.post(path, SchedulerBodies.terraformCreate())
        let id = try #require(created.json["id"]?.stringValue)
        let update = SchedulerBodies.terraformUpdate(runAt: "0 9 * * *", description: "d", kms: #"["kms-1"]"#)
        let statuses = [
            created.status, try await first.get(path + "/" + id).status,
            try await first.send("PATCH", path + "/" + id, body: Array(update.utf8)).status,
            try await first.get(path + "/?name=tf-aws&skip=0&limit=-1").status,
        ]
        #expect(statuses == [201, 200, 200, 200])
        let run = try await first.post(path + "/" + id + "/run-now")
        #expect(run.status == 201 && run.json["status"] == .string("in_progress"))
        first.stop()
        let second = try LiveServer(fixtures: [], directory: directory)
        #expect(try await second.post("/__admin/jobs/settle").status == 200)
        let runs = try await second.get("/api/v1/scheduler/jobs?sort=-createdAt")
        #expect(runs.json["resources"]?.arrayValue?.map { $0["id"] } == [run.json["id"]])
        #expect(runs.json["resources"]?.arrayValue?.first?["status"] == .string("completed"))
        #expect(try await second.send("DELETE", path + "/" + id).status == 204)
    }
}
