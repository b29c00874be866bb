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

/// The server over real sockets: errors on the wire, the body cap, the file store, shutdown.
@Suite(.live()) struct LiveServerTests {
    @Test func errorsArriveAsCMEnvelopes() async throws {
        let live = try LiveServer()
        try await live.get("/api/v1/cckm/aws/synchronization-jobs/00000000-0000-4000-8000-000000000000").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
        try await live.get("/api/v1/cckm/aws/synchronization-jobs?limit=abc").expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "\"limit\"")
        let wrongMethod = try await live.send("DELETE", "/api/v1/cckm/sap/synchronization-jobs/x")
        wrongMethod.expectError(status: 405, code: 15, codeDesc: "NCERRMethodNotAllowed: Method not allowed", messageContains: "DELETE")
        #expect(wrongMethod.headers["Allow"] == "GET")
        try await live.get("/api/v2/other").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "No resource")
    }

    @Test func queryDecodingOnTheWire() async throws {
        let live = try LiveServer()
        let spaced = try await live.get("/api/v1/cckm/sap/synchronization-jobs?overall_status=in%20progress")
        #expect(spaced.total == 1)
        let vault = "keyvault-softkeys::12e533dd-b5c2-4e58-a264-0cd812dc5a34"
        let filtered = try await live.get("/api/v1/cckm/azure/synchronization-jobs?key_vaults=other&key_vaults=\(vault)")
        #expect(filtered.ids == ["2321c6fb-acde-4b94-a00b-949c85968af3"])
        let sorted = try await live.get("/api/v1/cckm/sfdc/keys/synchronization-jobs?sort=createdAt&organizations=00DB000000040bIMAQ")
        #expect(sorted.ids == ["8d5ccc9f-0d18-482d-bb13-593665a4813c", "c8d2f27b-fb4f-4557-b63c-00d4a1439c4a"])
    }

    @Test func oversizedBodyGets413AndTheServerGoesOn() async throws {
        let live = try LiveServer(maxBodyBytes: 1024)
        try await live.send("POST", "/api/v1/cckm/aws/synchronization-jobs", body: Array(repeating: 0x41, count: 4096)).expectError(
            status: 413, code: 15, codeDesc: "NCERRBadRequest: Bad request", messageContains: "larger than the limit of 1024 bytes")
        #expect(try await live.get("/__admin/health").status == 200)
    }

    @Test func fileStoreKeepsJobsAcrossRestarts() async throws {
        let first = try LiveServer()
        #expect(FileManager.default.fileExists(atPath: first.directory + "/jobs.sqlite"))
        first.stop()
        let second = try LiveServer(fixtures: [], directory: first.directory)
        #expect(try await second.get("/api/v1/cckm/sfdc/keys/synchronization-jobs").total == 2)
    }

    /// Issue 24 #4: the same data folder and the same seed made the same ids again, and the first
    /// start after a restart was a 500 (UNIQUE constraint), as were config creates.
    @Test func aRestartUnderTheSameSeedMakesNewIds() async throws {
        let first = try LiveServer(fixtures: [])
        let job = try await first.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#)
        let config = try await first.post("/api/v1/scheduler/job-configs", SchedulerBodies.terraformCreate())
        #expect(job.status == 201 && config.status == 201)
        _ = try await first.post("/__admin/jobs/settle")
        first.stop()
        let second = try LiveServer(fixtures: [], directory: first.directory)
        let again = try await second.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#)
        let configAgain = try await second.post("/api/v1/scheduler/job-configs", SchedulerBodies.terraformCreate(name: "tf-aws-2"))
        #expect(again.status == 201 && configAgain.status == 201, "\(again.json) \(configAgain.json)")
        #expect(again.json["id"] != job.json["id"] && configAgain.json["id"] != config.json["id"])
        // A fresh store under the same seed still answers as the first start did.
        let fresh = try LiveServer(fixtures: [])
        #expect(try await fresh.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#).json["id"] == job.json["id"])
    }

    /// Issue 24 #15: two servers opened one data folder, and one then listed `total 0` for a job
    /// it served by id.
    @Test func aSecondServerOnOneDataFolderIsRefusedUntilTheFirstStops() throws {
        let first = try LiveServer(fixtures: [])
        do {
            _ = try LiveServer(fixtures: [], directory: first.directory)
            Issue.record("a second server opened the folder")
        } catch {
            #expect("\(error)".contains("is in use by another cckm-mock (process \(getpid()))"), "\(error)")
        }
        first.stop()
        let second = try LiveServer(fixtures: [], directory: first.directory)
        second.stop()
    }

    @Test func fixturesLoadedTwiceDoNotDuplicate() async throws {
        let first = try LiveServer()
        first.stop()
        let second = try LiveServer(directory: first.directory)
        #expect(try await second.get("/api/v1/cckm/sfdc/keys/synchronization-jobs").total == 2)
    }

    @Test func manyConcurrentClients() async throws {
        let live = try LiveServer()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await live.get(index % 2 == 0 ? "/api/v1/cckm/sfdc/keys/synchronization-jobs" : "/nope").status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 100 && statuses.filter { $0 == 404 }.count == 100)
    }

    @Test func afterShutdownThePortIsClosed() async throws {
        let live = try LiveServer()
        #expect(try await live.get("/__admin/health").status == 200)
        live.stop()
        live.stop()
        await #expect(throws: (any Error).self) { try await live.get("/__admin/health") }
    }
}
