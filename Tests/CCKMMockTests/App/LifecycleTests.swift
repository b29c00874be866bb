import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// Start, progress, finish and cancel, on the manual clock: no test here waits on real time.
@Suite(.inProcess()) struct LifecycleTests {
    /// Targets take exactly 3 s, so the times below are exact.
    static let fixed = SimulatorSettings(targetDuration: 3...3)

    static func body(for family: JobFamily, targets: [String]) -> String {
        "{\"\(family.bodyTargetField)\": [" + targets.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
    }

    @Test(arguments: JobFamily.all)
    func startAdvanceCompleted(family: JobFamily) throws {
        let app = try InProcessApp(settings: Self.fixed)
        let base = "/api/v1/cckm/" + family.basePath
        let started = try app.post(base, Self.body(for: family, targets: ["t-1", "t-2"]))
        #expect(started.status == 201)
        #expect(started.json["overall_status"]?.stringValue == "in_progress")
        #expect(started.json["completed_at"] == nil && started.json["abort"] == .bool(false))
        #expect(started.json["cloud"]?.stringValue == family.cloud)
        #expect(started.json[family.filterField]?.arrayValue == [.string("t-1"), .string("t-2")])
        let running = started.json["detailed_status"]?.objectValue ?? []
        #expect(!running.isEmpty && running.allSatisfy { $0.value == .string("in_progress") })
        #expect(started.json["createdAt"]?.stringValue == "2020-11-05T06:38:25.308834Z")
        let id = try #require(started.json["id"]?.stringValue)
        #expect(isUUID(id) && started.json["uri"]?.stringValue == "kylo:kylo:cckm:synchronize:" + id)

        try app.advance(2.9)
        #expect(try app.get(base + "/" + id).json["overall_status"]?.stringValue == "in_progress")
        try app.advance(0.1)
        let done = try app.get(base + "/" + id)
        #expect(done.json["overall_status"]?.stringValue == "completed")
        #expect(done.json["completed_at"]?.stringValue == "2020-11-05T06:38:28.308834Z")
        #expect(done.json["updatedAt"]?.stringValue == "2020-11-05T06:38:28.308834Z")
        let finished = done.json["detailed_status"]?.objectValue ?? []
        #expect(finished.map(\.key) == running.map(\.key))
        #expect(finished.allSatisfy { $0.value == .string(family.successMessage) })
        #expect(try app.get(base + "?overall_status=completed").ids == [id])
    }

    @Test func awsKeysAreAccountAndRegion() throws {
        let app = try InProcessApp(settings: Self.fixed)
        let started = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms": ["kms", "other"], "regions": ["eu-west-1"]}"#)
        #expect(started.detailed == ["123456789012/eu-west-1=in_progress", "\(Inventory.accountID(for: "other"))/eu-west-1=in_progress"])
        #expect(started.json["regions"]?.arrayValue == [.string("eu-west-1")])
        let all = try InProcessApp(settings: Self.fixed).post("/api/v1/cckm/aws/synchronization-jobs", #"{"synchronize_all": true}"#)
        #expect(all.json["kms"]?.arrayValue == [.string("kms"), .string("kms-prod")])
        #expect(all.detailed.count == 5)
    }

    @Test func azureKeysCarryTheVaultLocationAndSFDCEchoesOrganizationsAsKMS() throws {
        let app = try InProcessApp(settings: Self.fixed)
        let azure = try app.post("/api/v1/cckm/azure/synchronization-jobs", #"{"synchronize_all": true, "take_cloud_key_backup": true}"#)
        #expect(azure.detailed.first == "northcentralus/keyvault-softkeys::12e533dd-b5c2-4e58-a264-0cd812dc5a34=in_progress")
        let sfdc = try app.post("/api/v1/cckm/sfdc/keys/synchronization-jobs", #"{"organization_ids": ["00DB000000040bIMAQ"]}"#)
        #expect(sfdc.json["kms"]?.arrayValue == [.string("00DB000000040bIMAQ")])
        #expect(sfdc.json["organization_ids"] == nil)
    }

    @Test func everyTargetFailingMakesTheJobFailedWithCloudErrors() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...1, failureRate: 1))
        let started = try app.post("/api/v1/cckm/sfdc/keys/synchronization-jobs", #"{"organization_ids": ["o1", "o2"]}"#)
        try app.advance(1)
        let done = try app.get("/api/v1/cckm/sfdc/keys/synchronization-jobs/" + started.json["id"]!.stringValue!)
        #expect(done.json["overall_status"]?.stringValue == "failed")
        #expect(
            done.detailed == [
                "o1=Error listing keys from SFDC: INVALID_SESSION_ID: Session expired or invalid",
                "o2=Error listing keys from SFDC: INVALID_SESSION_ID: Session expired or invalid",
            ])
    }

    @Test func partialFailureIsFailedWithPerTargetMessages() throws {
        let family = JobFamily.named("aws")!
        var mixed = 0
        for seed in UInt64(1)...20 {
            let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...5, failureRate: 0.5), seed: seed)
            let id = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"synchronize_all": true}"#).json["id"]!.stringValue!
            try app.advance(5)
            let done = try app.get("/api/v1/cckm/aws/synchronization-jobs/" + id)
            let messages = done.json["detailed_status"]?.objectValue?.map { $0.value.stringValue ?? "" } ?? []
            let failures = messages.filter { $0.hasPrefix("AccessDeniedException") }
            #expect(messages.count == 5 && failures.count + messages.filter { $0 == family.successMessage }.count == 5)
            #expect(done.json["overall_status"]?.stringValue == (failures.isEmpty ? "completed" : "failed"), "seed \(seed)")
            if !failures.isEmpty && failures.count < 5 { mixed += 1 }
        }
        #expect(mixed > 0, "no seed from 1 to 20 gave a partial failure")
    }

    @Test func targetsEndOneByOneInDueOrder() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...9), seed: 3)
        let id = try app.post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings": ["a", "b", "c", "d"]}"#).json["id"]!.stringValue!
        var finishedCounts: [Int] = []
        var updated: [String] = []
        for _ in 0..<10 {
            try app.advance(1)
            let job = try app.get("/api/v1/cckm/google/synchronization-jobs/" + id)
            finishedCounts.append(job.detailed.filter { !$0.hasSuffix("=in_progress") }.count)
            updated.append(job.json["updatedAt"]?.stringValue ?? "")
        }
        #expect(finishedCounts == finishedCounts.sorted() && finishedCounts.last == 4)
        #expect(updated == updated.sorted())
        let events = try app.app.store.eventPage(jobID: id, limit: 10_000).events
        #expect(events.first?.to == "in_progress" && events.first?.target == nil)
        #expect(events.filter { $0.target != nil }.count == 4 && events.last?.to == "completed")
        #expect(events.map(\.at) == events.map(\.at).sorted())
    }

    @Test func cancelMidWayFinishesCompletedWithCancelledTargets() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...9), seed: 5)
        let base = "/api/v1/cckm/oci/synchronization-jobs/"
        let id = try app.post(base, #"{"vaults": ["v1", "v2", "v3", "v4", "v5", "v6"]}"#).json["id"]!.stringValue!
        try app.advance(4)
        let before = try app.get(base + id).detailed
        let cancelled = try app.post(base + id + "/cancel")
        #expect(cancelled.status == 200)
        #expect(cancelled.json["abort"] == .bool(true) && cancelled.json["overall_status"]?.stringValue == "in_progress")
        #expect(cancelled.json["updatedAt"]?.stringValue == "2020-11-05T06:38:29.308834Z")
        #expect(try app.post(base + id + "/cancel").status == 200, "a second cancel while stopping answers the same")
        try app.advance(1)
        let done = try app.get(base + id)
        #expect(done.json["overall_status"]?.stringValue == "completed" && done.json["abort"] == .bool(true))
        #expect(done.json["completed_at"]?.stringValue == "2020-11-05T06:38:30.308834Z")
        // A target still running at the cancel ends cancelled, unless it was due within the cancel delay anyway.
        for (old, new) in zip(before, done.detailed) {
            if old.hasSuffix("=in_progress") {
                #expect(new.hasSuffix("=synchronization cancelled") || new.hasSuffix("=vault synchronized successfully"), "\(new)")
            } else {
                #expect(new == old)
            }
        }
        #expect(done.detailed.contains { $0.hasSuffix("=synchronization cancelled") })
        try app.post(base + id + "/cancel").expectError(
            status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "only a job in progress can be cancelled")
    }

    @Test func cancelUnknownJobIs404() throws {
        try InProcessApp().post("/api/v1/cckm/dsm/refresh/\(TestJobs.id(9))/cancel").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
    }

    @Test func secondStartWhileRunningIs409UnlessAllowed() throws {
        let app = try InProcessApp(settings: Self.fixed)
        let base = "/api/v1/cckm/sap/synchronization-jobs"
        #expect(try app.post(base, #"{"groups": ["g"]}"#).status == 201)
        try app.post(base, #"{"groups": ["h"]}"#).expectError(
            status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "already in progress")
        #expect(try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults": ["v"]}"#).status == 201, "other families are free")
        try app.advance(3)
        #expect(try app.post(base, #"{"groups": ["h"]}"#).status == 201, "free again once the first ended")
        let concurrent = try InProcessApp(settings: SimulatorSettings(allowConcurrentJobs: true))
        #expect(try concurrent.post(base, #"{"groups": ["g"]}"#).status == 201)
        #expect(try concurrent.post(base, #"{"groups": ["g"]}"#).status == 201)
        #expect(try concurrent.get(base + "?overall_status=in_progress").total == 2)
    }

    @Test func settleRunsEveryJobToItsEnd() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 10...100))
        _ = try app.post("/api/v1/cckm/dsm/refresh", #"{"synchronize_all": true}"#)
        _ = try app.post("/api/v1/cckm/external-cm/refresh", #"{"domains": ["d1"]}"#)
        let settled = try app.post("/__admin/jobs/settle")
        #expect(settled.status == 200 && settled.json["transitions"]?.intValue == 5)
        #expect(try app.get("/api/v1/cckm/dsm/refresh?overall_status=in_progress").total == 0)
        #expect(try app.get("/api/v1/cckm/external-cm/refresh?overall_status=completed").total == 1)
        #expect(try app.get("/__admin/clock").json["now"] == settled.json["now"])
    }

    @Test func timeScaleShortensDurations() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 10...10, timeScale: 10))
        let id = try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults": ["v"]}"#).json["id"]!.stringValue!
        try app.advance(1)
        #expect(try app.get("/api/v1/cckm/oci/synchronization-jobs/" + id).json["overall_status"]?.stringValue == "completed")
        #expect(try app.get("/__admin/clock").json["timeScale"]?.intValue == 10)
    }
}
