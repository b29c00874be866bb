import Foundation
import Testing

@testable import CCKMMock

/// Scheduler configurations live in SQLite: a restarted server runs them on.
@Suite(.timeLimit(.minutes(1))) struct SchedulerLiveTests {
    @Test func aConfigSurvivesARestartAndRunsAfterIt() async throws {
        let directory = try Paths.temporaryDirectory()
        let first = try LiveServer(fixtures: [], directory: directory)
        let created = try await first.post("/api/v1/scheduler/job-configs", SchedulerTests.every15)
        #expect(created.status == 201)
        first.stop()
        let second = try LiveServer(fixtures: [], directory: directory)
        defer { second.stop() }
        #expect(try await second.get("/api/v1/scheduler/job-configs").json["resources"]?.arrayValue?.first?["id"] == created.json["id"])
        #expect(try await second.post("/__admin/clock/advance", #"{"seconds": 3600}"#).status == 200)
        let jobs = try await second.get("/__admin/jobs?family=aws&limit=-1")
        #expect(jobs.total == 4)
        #expect(jobs.json["resources"]?.arrayValue?.allSatisfy { $0["schedule"] == created.json["id"] } == true)
    }
}
