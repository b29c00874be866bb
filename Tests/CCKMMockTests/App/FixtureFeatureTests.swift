import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

/// What fixtures can say, seen through the API.
@Suite(.inProcess()) struct FixtureFeatureTests {
    static func app(_ text: String, settings: SimulatorSettings = SimulatorSettings(targetDuration: 2...2), auth: Bool = false) throws -> InProcessApp
    {
        let fixture = try Fixture.parse(bytes: Array(text.utf8), source: "test", now: ManualClock.defaultStart)
        let app = try InProcessApp(
            settings: settings, auth: auth ? AuthSettings() : AuthSettings(enabled: false), fixture: fixture)
        app.app.tokens.add(users: fixture.users, domains: fixture.domains)
        return app
    }

    static func scenario(_ name: String, settings: SimulatorSettings = SimulatorSettings(targetDuration: 2...2), auth: Bool = false) throws
        -> InProcessApp
    {
        try app(String(contentsOfFile: Paths.repository + "/fixtures/" + name, encoding: .utf8), settings: settings, auth: auth)
    }

    @Test func relativeTimesCountBackFromTheLoad() throws {
        let app = try Self.app(
            #"{"jobs":[{"family":"dsm","id":"10000000-0000-4000-8000-000000000001","createdAt":"-10m","updatedAt":"-90s","completed_at":"now","overall_status":"completed","domains":["d"]}]}"#
        )
        let job = try app.get("/api/v1/cckm/dsm/refresh/10000000-0000-4000-8000-000000000001").json
        #expect(job["createdAt"]?.stringValue == "2020-11-05T06:28:25.308834Z")
        #expect(job["updatedAt"]?.stringValue == "2020-11-05T06:36:55.308834Z")
        #expect(job["completed_at"]?.stringValue == "2020-11-05T06:38:25.308834Z")
    }

    /// Issue 24 #12: an `in_progress` job with no running target never ended; its cancel did
    /// nothing and its family refused every start (409) until a reset.
    @Test func anInProgressJobWithNothingRunningIsRefusedWithAWayOut() throws {
        let stuck =
            #"{"family":"oci","id":"10000000-0000-4000-8000-000000000001","createdAt":"-1m","overall_status":"in_progress","vaults":["v"],"detailed_status":{"v":"vault synchronized successfully"}"#
        #expect(throws: FixtureError.self) { try Self.app(#"{"jobs":[\#(stuck)}]}"#) }
        do {
            _ = try Self.app(#"{"jobs":[\#(stuck)}]}"#)
        } catch let error as FixtureError {
            #expect(
                error.problems == [
                    #"test:1:10: $.jobs[0]: in_progress, but no target is running: give a target the message "in_progress", name targets and leave detailed_status out, or set "simulate": false to keep the job as it is"#
                ])
        }
        #expect(throws: FixtureError.self) {
            try Self.app(
                #"{"jobs":[{"family":"oci","id":"10000000-0000-4000-8000-000000000002","createdAt":"-1m","overall_status":"in_progress","vaults":[]}]}"#
            )
        }
        // Held on purpose, it loads as it is.
        #expect(throws: Never.self) { try Self.app(#"{"jobs":[\#(stuck),"simulate":false}]}"#) }
        // An empty detailed_status says what an absent one does: every named target runs, and ends.
        let app = try Self.app(
            #"{"jobs":[{"family":"oci","id":"10000000-0000-4000-8000-000000000003","createdAt":"-1m","overall_status":"in_progress","vaults":["v"],"detailed_status":{}}]}"#
        )
        try app.advance(2)
        #expect(
            try app.get("/api/v1/cckm/oci/synchronization-jobs/10000000-0000-4000-8000-000000000003").json["overall_status"] == .string("completed"))
        #expect(try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#).status == 201)
    }

    /// Issue 24 #14, and issue 22's merge that forgot AWS accounts: merging one fixture 100 times
    /// piled up 100 copies of its scripts (RSS 30 → 125 MB, a start 0.7 → 10.6 ms).
    @Test func mergingAFixtureAgainKeepsOneCopyOfItsScriptsAndEveryAccount() throws {
        let app = try InProcessApp()
        let first =
            #"{"inventory":{"aws":[{"name":"prod","account":"111122223333","regions":["eu-west-1"]}]},"scripts":[{"family":"aws","target":"eu-west-1","outcome":"fail","after":1},{"family":"oci","outcome":"hang"}]}"#
        for _ in 0..<100 { #expect(try app.post("/__admin/fixtures?mode=merge&baseline=true", first).status == 200) }
        #expect(app.app.engine.planner.currentRules.scripts.count == 2)
        #expect(app.app.control.baseline.withLock { $0.scripts.count } == 2)
        // Another family's inventory: AWS's, accounts included, stays the first fixture's.
        let second = #"{"inventory":{"oci":["vault-a"]}}"#
        #expect(try app.post("/__admin/fixtures?mode=merge", second).status == 200)
        let prod = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["prod"]}"#)
        #expect(prod.detailed == ["111122223333/eu-west-1=in_progress"], "the first fixture's account is kept")
    }

    @Test func inventoryRefusesUnknownTargetsAndShapesKeys() throws {
        let app = try Self.app(
            #"{"inventory":{"aws":[{"name":"prod","account":"111122223333","regions":["eu-west-1","eu-central-1"]}],"oci":["vault-a","vault-b"],"azure":[{"name":"kv","location":"westus"}]}}"#
        )
        let aws = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"synchronize_all": true}"#)
        #expect(aws.detailed == ["111122223333/eu-west-1=in_progress", "111122223333/eu-central-1=in_progress"])
        try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["vault-a","vault-z"]}"#).expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Unknown vaults value \"vault-z\"")
        #expect(try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"synchronize_all": true}"#).json["vaults"]?.arrayValue?.count == 2)
        #expect(try app.post("/api/v1/cckm/azure/synchronization-jobs", #"{"key_vaults":["kv"]}"#).detailed == ["westus/kv=in_progress"])
        #expect(try app.post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings":["anything"]}"#).status == 201, "no inventory: any target")
    }

    @Test func scriptsFailHangAndApplyToJobsStartedLater() throws {
        let app = try Self.app(
            #"{"scripts":[{"family":"aws","target":"eu-west-1","after":30,"outcome":"fail","message":"throttled"},{"family":"google","target":"stuck","outcome":"hang"}]}"#
        )
        let aws = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["kms"],"regions":["us-east-1","eu-west-1"]}"#)
        let id = aws.json["id"]!.stringValue!
        try app.advance(2)
        #expect(
            try app.get("/api/v1/cckm/aws/synchronization-jobs/" + id).detailed == [
                "123456789012/us-east-1=region synchronized successfully", "123456789012/eu-west-1=in_progress",
            ])
        try app.advance(28)
        let done = try app.get("/api/v1/cckm/aws/synchronization-jobs/" + id)
        #expect(done.json["overall_status"]?.stringValue == "failed" && done.detailed.last == "123456789012/eu-west-1=throttled")
        #expect(done.json["completed_at"]?.stringValue == "2020-11-05T06:38:55.308834Z")

        let google = try app.post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings":["ok","stuck"]}"#).json["id"]!.stringValue!
        _ = try app.post("/__admin/jobs/settle")
        let hung = try app.get("/api/v1/cckm/google/synchronization-jobs/" + google)
        #expect(
            hung.json["overall_status"]?.stringValue == "in_progress"
                && hung.detailed == ["ok=key ring synchronized successfully", "stuck=in_progress"])
        #expect(try app.post("/__admin/jobs/\(google)/complete").json["overall_status"]?.stringValue == "completed")
    }

    @Test func simulatorSettingsPerFamily() throws {
        let app = try Self.app(#"{"simulator":{"oci":{"failureRate":1,"targetDuration":"10"},"*":{"targetDuration":1}}}"#)
        let oci = try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#).json["id"]!.stringValue!
        let dsm = try app.post("/api/v1/cckm/dsm/refresh", #"{"domains":["d"]}"#).json["id"]!.stringValue!
        try app.advance(1)
        #expect(try app.get("/api/v1/cckm/dsm/refresh/" + dsm).json["overall_status"]?.stringValue == "completed")
        #expect(try app.get("/api/v1/cckm/oci/synchronization-jobs/" + oci).json["overall_status"]?.stringValue == "in_progress")
        try app.advance(9)
        #expect(try app.get("/api/v1/cckm/oci/synchronization-jobs/" + oci).json["overall_status"]?.stringValue == "failed")
    }

    @Test func usersAndDomainsFromTheTenantsScenario() throws {
        let app = try Self.scenario("tenants.json", auth: true)
        let login = try app.post("/api/v1/auth/tokens", #"{"username":"alice","password":"alice-secret","domain":"team-a"}"#)
        let jwt = try #require(login.json["jwt"]?.stringValue)
        #expect(try app.send("GET", "/api/v1/cckm/oci/synchronization-jobs", token: jwt).ids == ["a0000000-0000-4000-8000-000000000001"])
        let bob = try app.post("/api/v1/auth/tokens", #"{"username":"bob","password":"bob-secret","domain":"team-b"}"#).json["jwt"]!.stringValue!
        #expect(try app.send("GET", "/api/v1/cckm/oci/synchronization-jobs?overall_status=failed", token: bob).total == 1)
        #expect(try app.post("/api/v1/auth/tokens", #"{"username":"alice","password":"wrong"}"#).status == 401)
    }

    @Test func happyPathScenarioSucceedsForEveryFamily() throws {
        let app = try Self.scenario("happy-path.json", settings: SimulatorSettings(failureRate: 1))
        #expect(try app.get("/__admin/jobs?overall_status=completed").total == 14)
        for family in JobFamily.all {
            let started = try app.post("/api/v1/cckm/" + family.basePath, #"{"synchronize_all": true}"#)
            #expect(started.status == 201)
        }
        _ = try app.post("/__admin/jobs/settle")
        #expect(try app.get("/__admin/jobs?overall_status=completed").total == 28, "the fixture's failure rate 0 beats the flag's 1")
    }

    @Test func partialFailuresScenario() throws {
        let app = try Self.scenario("partial-failures.json")
        let id = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"synchronize_all": true}"#).json["id"]!.stringValue!
        _ = try app.post("/__admin/jobs/settle")
        let job = try app.get("/api/v1/cckm/aws/synchronization-jobs/" + id)
        #expect(job.json["overall_status"]?.stringValue == "failed")
        #expect(
            job.detailed.filter { $0.contains("AccessDeniedException") } == [
                "123456789012/eu-west-1=AccessDeniedException: User is not authorized to perform: kms:ListKeys in region eu-west-1"
            ])
        #expect(job.detailed.count == 5)
    }

    @Test func cancelRacingCompletion() throws {
        let app = try Self.scenario("cancel-race.json")
        let base = "/api/v1/cckm/google/synchronization-jobs/cafe0000-0000-4000-8000-000000000001"
        #expect(try app.post(base + "/cancel").json["abort"] == .bool(true))
        try app.advance(1)
        let job = try app.get(base)
        // Targets due the very moment the cancel lands finish; the rest are cancelled.
        #expect(
            job.detailed == [
                "ring-1=key ring synchronized successfully", "ring-2=key ring synchronized successfully", "ring-3=synchronization cancelled",
            ])
        #expect(job.json["overall_status"]?.stringValue == "completed" && job.json["completed_at"]?.stringValue == "2020-11-05T06:38:26.308834Z")
    }

    @Test func jsonLinesStreamInBatchesAndReportLines() throws {
        let directory = try Paths.temporaryDirectory()
        let path = directory + "/jobs.jsonl"
        let count = 1_217
        let text = SyntheticJobs(count: count, seed: 4).map(\.fixtureLine).joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let fixture = try Fixture.load(paths: [path], now: ManualClock.defaultStart)
        #expect(fixture.jobs.isEmpty && fixture.streams == [path], "validated, not held in memory")
        let app = try InProcessApp(fixture: fixture)
        #expect(try app.app.store.count() == count)
        #expect(try app.post("/__admin/reset").json["jobs"]?.intValue == count, "reset reads the file again")
        var batches: [Int] = []
        var offsets: [Int] = []
        try JobLines.forEachBatch(path: path, now: ManualClock.defaultStart, size: 500, prepare: { $0.count }) { jobCount, problems, bytesRead in
            #expect(problems.isEmpty)
            batches.append(jobCount)
            offsets.append(bytesRead)
        }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(offsets == offsets.sorted() && offsets.last == size, "each batch says how far into the file it ends")
        #expect(batches == [500, 500, 217])

        try ("\n// a comment\n" + String(text.split(separator: "\n")[0]) + "\n{\"family\":\"oci\",\"id\":\"bad\"}\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: FixtureError.self) { try Fixture.load(paths: [path], now: ManualClock.defaultStart) }
        do {
            _ = try Fixture.load(paths: [path], now: ManualClock.defaultStart)
        } catch {
            #expect(error.problems.first == "\(path):4:22: $.id: \"bad\" is not a UUID")
        }
    }

    /// The bulk path (an empty store: indexes dropped, rows appended, indexes and counts rebuilt):
    /// the later of two lines with one id wins, counts and query plans are as on the row-by-row
    /// path, and a file that no longer loads stores nothing.
    @Test func bulkLoadKeepsTheLaterLineAndStoresAllOrNothing() throws {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/jobs.jsonl"
        let jobs = SyntheticJobs(count: 3_000, seed: 9).map { $0 }
        var again = jobs[0]
        again.status = .failed
        again.updatedAt = jobs[0].updatedAt.adding(seconds: 60)
        let lines = jobs.map(\.fixtureLine) + [again.fixtureLine]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let app = try InProcessApp(fixture: try Fixture.load(paths: [path], now: ManualClock.defaultStart, checkingStreams: false))
        let store = app.app.store
        #expect(try store.count() == jobs.count)
        #expect(try store.document(family: again.family, domain: again.domain, id: again.id) == again.json, "the later line")
        for family in JobFamily.all {
            let expected = jobs.filter { $0.family == family && $0.domain == Job.rootDomain }.count
            let failed = (jobs.dropFirst() + [again]).filter { $0.family == family && $0.domain == Job.rootDomain && $0.status == .failed }.count
            #expect(try store.list(family: family, domain: Job.rootDomain, query: ListQuery()).total == expected, "\(family.name)")
            var onlyFailed = ListQuery()
            onlyFailed.statuses = [.failed]
            #expect(try store.list(family: family, domain: Job.rootDomain, query: onlyFailed).total == failed, "\(family.name) failed")
        }
        let plan = try store.queryPlan(family: again.family, domain: Job.rootDomain, query: ListQuery()).joined(separator: "; ")
        #expect(plan.contains("job_by_created"), "indexes rebuilt: \(plan)")

        // Issue 22: a re-seed whose file fails half way was several transactions: the old jobs were
        // deleted and the first lines stored while the answer said nothing was. Now it is one, and
        // the store is exactly as before.
        let before = try AdvanceChunkTests.outcome(app)
        try (lines.prefix(10).joined(separator: "\n") + "\n{\"family\":\"oci\",\"id\":\"bad\"}\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        try app.post("/__admin/reset").expectError(
            status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "jobs.jsonl:11:22: $.id: \"bad\" is not a UUID")
        #expect(try store.count() == jobs.count, "the jobs of before are all there")
        let after = try AdvanceChunkTests.outcome(app)
        #expect(after.documents == before.documents && after.events == before.events, "exactly as before")
        #expect(try store.queryPlan(family: again.family, domain: Job.rootDomain, query: ListQuery()).joined().contains("job_by_created"))
    }

    /// At start-up a file store leaves WAL for the load (pages written once, no checkpoint) and is
    /// back in WAL after it, whether the load was stored or rolled back.
    @Test func startUpBulkLoadOnAFileStoreEndsInWAL() throws {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JobStore(location: .directory(directory))
        let jobs = SyntheticJobs(count: 2_000, seed: 3).map { PreparedJob(PlannedJob(job: $0)) }
        _ = try store.reader.count()  // a reader of the pool is open, as after any read
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try store.bulkReplace(alone: true) { insert in
                try insert(Array(jobs.prefix(1_000)))
                throw Stop()
            }
        }
        #expect(try store.reader.count() == 0 && store.journalMode() == "wal", "rolled back, back in WAL")
        try store.bulkReplace(alone: true) { insert in try insert(jobs) }
        #expect(try store.reader.count() == jobs.count && store.journalMode() == "wal")
        let first = jobs[0].planned.job
        #expect(try store.reader.document(family: first.family, domain: first.domain, id: first.id) == jobs[0].document)
        try store.replace([TestJobs.make(JobFamily.named("aws")!, 1)])
        #expect(try store.reader.count() == jobs.count + 1, "writes go on as before")
        #expect(FileManager.default.fileExists(atPath: directory + "/" + JobStore.fileName + "-wal"))
    }

    /// A file store's log is checkpointed from the checkpointer's own connection, never inside a
    /// commit: the writer's automatic checkpoint is off, the checkpointer moves every frame, and it
    /// is back after a start-up bulk load (which closes it to leave WAL).
    @Test func theLogIsCheckpointedOffTheWriter() throws {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JobStore(location: .directory(directory))
        let jobs = SyntheticJobs(count: 1_000, seed: 5).map { PreparedJob(PlannedJob(job: $0)) }
        try store.bulkReplace(alone: true) { insert in try insert(Array(jobs.prefix(10))) }
        #expect(try store.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") } == 0)
        try store.replace(jobs.dropFirst(10).map(\.planned))
        let round = try #require(try store.checkpointer.withLock { try $0?.checkpointNow() }, "running again after the bulk load")
        #expect(round.log > 100 && round.checkpointed == round.log, "every frame moved: \(round)")
        let memory = try JobStore(location: .memory)
        #expect(memory.checkpointer.withLock { $0 == nil } && memory.file == nil)
    }

    @Test func everyShippedFixtureIsValid() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Paths.repository + "/fixtures").filter {
            $0.hasSuffix(".json") && $0 != "schema.json"
        }
        #expect(names.count >= 5)
        let fixture = try Fixture.load(paths: names.map { Paths.repository + "/fixtures/" + $0 }, now: ManualClock.defaultStart)
        #expect(fixture.jobs.count >= 25)
    }
}

/// A running fixture job that names no targets runs them under the keys a start gives them: it
/// ended AWS jobs with the KMS name as the key (`"kms": "region synchronized successfully"`) and
/// showed no target while they ran.
@Suite(.inProcess()) struct UnnamedFixtureTargetsTests {
    @Test func awsAndAzureJobsWithNoTargetsNamedRunThemUnderAStartsKeys() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5))
        let fixture =
            #"{"inventory":{"aws":[{"name":"prod","account":"111122223333","regions":["eu-west-1","us-east-1"]}]},"jobs":[{"family":"aws","id":"10000000-0000-4000-8000-000000000001","createdAt":"now","overall_status":"in_progress","detailed_status":{},"regions":["eu-west-1","us-east-1"],"kms":["prod"]},{"family":"azure","id":"10000000-0000-4000-8000-000000000002","createdAt":"now","overall_status":"in_progress","detailed_status":{},"key_vaults":["kv"]},{"family":"aws","domain":"team-a","id":"10000000-0000-4000-8000-000000000003","createdAt":"now","overall_status":"in_progress","regions":["eu-west-1"],"kms":["prod"]}]}"#
        #expect(try app.post("/__admin/fixtures?baseline=true", fixture).status == 200)
        let aws = try app.get("/__admin/jobs/10000000-0000-4000-8000-000000000001").json["job"]!
        #expect(
            aws["detailed_status"]
                == .object([("111122223333/eu-west-1", .string("in_progress")), ("111122223333/us-east-1", .string("in_progress"))]))
        let azure = try app.get("/__admin/jobs/10000000-0000-4000-8000-000000000002").json["job"]!
        #expect(azure["detailed_status"] == .object([("eastus/kv", .string("in_progress"))]))
        let unnamed = try app.get("/__admin/jobs/10000000-0000-4000-8000-000000000003").json["job"]!
        #expect(unnamed["detailed_status"] == nil, "an absent detailed_status stays absent while it runs")
        try app.advance(10)
        let ended = try app.get("/__admin/jobs/10000000-0000-4000-8000-000000000003").json["job"]!
        #expect(ended["overall_status"] == .string("completed"))
        #expect(ended["detailed_status"]?.objectValue?.map(\.key) == ["111122223333/eu-west-1"])
        #expect(
            try app.get("/__admin/jobs/10000000-0000-4000-8000-000000000001").json["job"]?["detailed_status"]?.objectValue?.map(\.key)
                == ["111122223333/eu-west-1", "111122223333/us-east-1"])
    }
}
