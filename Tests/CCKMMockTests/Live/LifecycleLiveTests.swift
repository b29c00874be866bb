import Foundation
import Testing

@testable import CCKMMock

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Jobs over real sockets and a real SQLite file: restarts, seeded running jobs, a polling client.
@Suite(.timeLimit(.minutes(1))) struct LifecycleLiveTests {
    @Test func runningJobFinishesOnScheduleAfterARestart() async throws {
        let settings = SimulatorSettings(targetDuration: 2...8)
        let first = try LiveServer(fixtures: [], simulator: settings)
        let started = try await first.post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings": ["a", "b", "c"]}"#)
        #expect(started.status == 201)
        let id = try #require(started.json["id"]?.stringValue)
        _ = try await first.post("/__admin/clock/advance", #"{"seconds": 1}"#)
        let schedule = try first.server.store.lastDueTime()
        first.stop()

        // Same directory, same manual clock start: the schedule on disk carries on.
        let second = try LiveServer(fixtures: [], directory: first.directory, simulator: settings)
        defer { second.stop() }
        #expect(try second.server.store.lastDueTime() == schedule)
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
        defer { live.stop() }
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

/// A client written like Thales' Ansible modules: start, then poll `GET B/{id}` until the job is
/// no longer in progress. Against the real executable on the system clock with short durations;
/// the loop is bounded in requests, and nothing sleeps.
@Suite(.timeLimit(.minutes(1))) struct PollingClientTests {
    @Test func pollingUntilDoneEndsWithTheFinalJob() async throws {
        let server = try ServerProcess([
            "serve", "--port", "0", "--data", ":memory:", "--target-duration", "0.05-0.3", "--failure-rate", "0.5", "--seed", "9", "--tls", "off",
            "--auth", "off",
        ])
        defer {
            server.signal(SIGTERM)
            _ = server.finish()
        }
        let url = try #require(server.firstLine()?.split(separator: " ").last.map(String.init))
        var start = URLRequest(url: URL(string: url + "/api/v1/cckm/aws/synchronization-jobs")!)
        start.httpMethod = "POST"
        start.httpBody = Data(#"{"synchronize_all": true}"#.utf8)
        let (created, response) = try await LiveServer.session.data(for: start)
        #expect((response as! HTTPURLResponse).statusCode == 201)
        let id = try #require(try JSONParser.parse([UInt8](created))["id"]?.stringValue)

        var job = JSONValue.null
        var polls = 0
        repeat {
            polls += 1
            let (data, _) = try await LiveServer.session.data(from: URL(string: url + "/api/v1/cckm/aws/synchronization-jobs/" + id)!)
            job = try JSONParser.parse([UInt8](data))
        } while job["overall_status"]?.stringValue == "in_progress" && polls < 100_000
        let status = try #require(job["overall_status"]?.stringValue)
        let messages = job["detailed_status"]?.objectValue?.map { $0.value.stringValue ?? "" } ?? []
        #expect(status != "in_progress", "still running after \(polls) polls")
        #expect(messages.count == 5 && !messages.contains("in_progress"))
        #expect(status == (messages.contains { $0.hasPrefix("AccessDeniedException") } ? "failed" : "completed"))
        #expect(job["completed_at"]?.stringValue == job["updatedAt"]?.stringValue)
    }
}

/// Fixtures loaded by the server itself (the `serve --fixtures` path), not handed to the app.
@Suite(.timeLimit(.minutes(1))) struct ServedFixtureTests {
    @Test func scriptsUsersAndDomainsOfServedFixturesApply() async throws {
        let live = try LiveServer(
            fixtures: [Paths.repository + "/fixtures/partial-failures.json", Paths.repository + "/fixtures/tenants.json"],
            auth: AuthSettings())
        defer { live.stop() }
        let login = try await live.post("/api/v1/auth/tokens", #"{"username":"alice","password":"alice-secret","domain":"team-a"}"#)
        #expect(login.status == 200, "users and domains come from tenants.json")
        let admin = try #require(try await live.post("/__admin/tokens", "").json["jwt"]?.stringValue)
        var request = URLRequest(url: URL(string: live.baseURL + "/api/v1/cckm/aws/synchronization-jobs")!)
        request.httpMethod = "POST"
        request.setValue("Bearer " + admin, forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"kms":["kms"],"regions":["eu-west-1"]}"#.utf8)
        let (data, _) = try await LiveServer.session.data(for: request)
        let id = try #require(try JSONParser.parse([UInt8](data))["id"]?.stringValue)
        _ = try await live.post("/__admin/clock/advance", #"{"seconds": 10}"#)
        let job = try await live.get("/__admin/jobs?family=aws&id=" + id)
        let first = try #require(job.json["resources"]?.arrayValue?.first?["job"])
        #expect(first["overall_status"]?.stringValue == "failed", "the script from partial-failures.json")
        #expect(first["detailed_status"]?["123456789012/eu-west-1"]?.stringValue?.hasPrefix("AccessDeniedException") == true)
    }
}

/// Starts and cancels are committed in groups on the live server; each still answers as if alone.
@Suite(.timeLimit(.minutes(1))) struct GroupCommitTests {
    @Test func concurrentStartsAllCommitWithTheirOwnIDs() async throws {
        let live = try LiveServer(fixtures: [], simulator: SimulatorSettings(allowConcurrentJobs: true))
        defer { live.stop() }
        let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
            for index in 0..<120 {
                group.addTask { try await live.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v\#(index)"]}"#) }
            }
            return try await group.reduce(into: [Reply]()) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0.status == 201 })
        #expect(Set(replies.compactMap { $0.json["id"]?.stringValue }).count == 120)
        #expect(try await live.get("/api/v1/cckm/oci/synchronization-jobs?limit=0").total == 120)
        #expect(try await live.get("/__admin/requests/count?method=POST").json["count"]?.intValue == 120)
    }

    @Test func oneRunningJobPerFamilyHoldsWithinABatch() async throws {
        let live = try LiveServer(fixtures: [])
        defer { live.stop() }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { try await live.post("/api/v1/cckm/sap/synchronization-jobs", #"{"groups":["g"]}"#).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 1 && statuses.filter { $0 == 409 }.count == 19)
        #expect(try await live.get("/api/v1/cckm/sap/synchronization-jobs?limit=0").total == 1, "the 409s left nothing behind")
    }

    @Test func badStartsFailAloneAndCancelsBatchToo() async throws {
        let live = try LiveServer(fixtures: [])
        defer { live.stop() }
        try await live.post("/api/v1/cckm/sap/synchronization-jobs", "{}").expectError(
            status: 400, code: 15, codeDesc: "NCERRBadRequest: Bad request", messageContains: "Give the targets")
        let id = try #require(try await live.post("/api/v1/cckm/sap/synchronization-jobs", #"{"groups":["g"]}"#).json["id"]?.stringValue)
        let cancelled = try await live.post("/api/v1/cckm/sap/synchronization-jobs/\(id)/cancel")
        #expect(cancelled.status == 200 && cancelled.json["abort"] == .bool(true))
        try await live.post("/api/v1/cckm/sap/synchronization-jobs/\(TestJobs.id(5))/cancel").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
    }
}
