import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

/// The scheduler and login as real CM clients send and read them (issue 23). The bodies are what
/// ThalesGroup/terraform-provider-ciphertrust 1.0.1 marshals (`internal/provider/cm/schema_cm.go`:
/// `CreateJobConfigParamsJSON`, `UpdateJobConfigParamsJSON`, `CCKMSynchronizationParamsJSON`;
/// Go's `encoding/json` writes every field, in struct order, `null` for a nil pointer or slice and
/// `0001-01-01T00:00:00Z` for a zero `time.Time`), and what `resource_scheduler.go` reads back.
@Suite(.inProcess()) struct SchedulerClientTests {
    func app(seed: UInt64 = 1, allowConcurrent: Bool = false) throws -> InProcessApp {
        try InProcessApp(
            settings: SimulatorSettings(targetDuration: 5...5, allowConcurrentJobs: allowConcurrent), seed: seed,
            auth: AuthSettings(enabled: false, accounts: Accounts(domains: ["team-a"])))
    }

    /// Issue 24 #16: the mock acted on the first `run_at` while a client reading the stored
    /// resource took the last. Now nothing is stored.
    @Test func aConfigWithARepeatedKeyIsRefusedAndNothingIsStored() throws {
        let app = try app()
        let body = SchedulerBodies.terraformCreate().replacing(#""run_at":"0 9 * * *","#, with: #""run_at":"0 9 * * *","run_at":"0 10 * * *","#)
        let answer = try app.post(SchedulerBodies.configs, body)
        #expect(answer.status == 400 && answer.json["codeDesc"] == .string("NCERRInvalidParamValue: Invalid parameter value"))
        #expect(answer.json["message"]?.stringValue?.contains("run_at") == true, "\(answer.json)")
        #expect(try app.get(SchedulerBodies.configs).json["total"] == .number("0"))
    }

    @Test func terraformsCreateIsStoredAndReadBackUnderJobConfigParams() throws {
        let app = try app()
        let created = try app.post(SchedulerBodies.configs, SchedulerBodies.terraformCreate())
        #expect(created.status == 201, "\(created.json)")
        let id = try #require(created.json["id"]?.stringValue)
        let read = try app.get(SchedulerBodies.configs + "/" + id)
        for answer in [created.json, read.json] {
            #expect(answer["job_config_params"] == .object([("cloud_name", .string("aws")), ("kms", .array([.string("kms-1")]))]))
            #expect(answer["start_date"] == nil && answer["end_date"] == nil, "unset dates are left out")
            #expect(answer["run_on"] == .string("any") && answer["description"] == .string("") && answer["disabled"] == .bool(false))
            #expect(answer["cckm_synchronization_params"] == nil)
        }
        // The resource's Read takes these members, each by gjson path.
        for path in ["id", "uri", "account", "application", "devAccount", "createdAt", "updatedAt", "name", "operation", "run_at"] {
            #expect(read.json[path]?.stringValue?.isEmpty == false, "\(path)")
        }
    }

    /// Issue 24 #26: an end date, start date or description could be set by a PATCH but never
    /// cleared; `""` clears each, and a member left out keeps it.
    @Test func aPatchClearsDatesAndTheDescriptionWithAnEmptyString() throws {
        let app = try app()
        let id = try #require(try app.post(SchedulerBodies.configs, SchedulerBodies.terraformCreate()).json["id"]?.stringValue)
        let set = try app.send(
            "PATCH", SchedulerBodies.configs + "/" + id,
            body: #"{"start_date":"2020-12-01T00:00:00Z","end_date":"2021-12-01T00:00:00Z","description":"nightly"}"#)
        #expect(set.json["end_date"] == .string("2021-12-01T00:00:00Z") && set.json["description"] == .string("nightly"))
        #expect(
            try app.send("PATCH", SchedulerBodies.configs + "/" + id, body: #"{"run_at":"0 8 * * *"}"#).json["end_date"]
                == .string("2021-12-01T00:00:00Z"))
        let cleared = try app.send("PATCH", SchedulerBodies.configs + "/" + id, body: #"{"start_date":"","end_date":"","description":""}"#)
        #expect(cleared.status == 200 && cleared.json["start_date"] == nil && cleared.json["end_date"] == nil)
        #expect(cleared.json["description"] == .string(""))
        #expect(try app.get(SchedulerBodies.configs + "/" + id).body == cleared.body)
    }

    @Test func ociVaultsAndSynchronizeAllComeBackWhereTerraformReadsThem() throws {
        let app = try app()
        let body = SchedulerBodies.terraformCreate(name: "tf-oci", cloud: "oci", targets: #""kms":null,"oci_vaults":["vault-1","vault-2"]"#)
            .replacingOccurrences(of: #""synchronize_all":null"#, with: #""synchronize_all":false"#)
        let created = try app.post(SchedulerBodies.configs, body)
        #expect(created.status == 201, "\(created.json)")
        let params = created.json["job_config_params"]
        #expect(params?["cloud_name"] == .string("oci") && params?["oci_vaults"] == .array([.string("vault-1"), .string("vault-2")]))
        #expect(params?["synchronize_all"] == .bool(false) && params?["kms"] == nil)
        let listed = try app.get(SchedulerBodies.configs + "/?name=tf-oci&skip=0&limit=-1")
        #expect(listed.status == 200 && listed.total == 1 && listed.json["limit"] == .number("-1"))
        #expect(listed.json["resources"]?.arrayValue?.first?["job_config_params"] == params)
    }

    @Test func terraformsUpdateChangesWhatItSetsAndKeepsNameOperationAndCloud() throws {
        let app = try app()
        let id = try #require(try app.post(SchedulerBodies.configs, SchedulerBodies.terraformCreate()).json["id"]?.stringValue)
        let patched = try app.send(
            "PATCH", SchedulerBodies.configs + "/" + id,
            body: SchedulerBodies.terraformUpdate(runAt: "0 10 * * mon", description: "weekly", kms: #"["kms-2","kms-3"]"#))
        #expect(patched.status == 200, "\(patched.json)")
        #expect(patched.json["name"] == .string("tf-aws") && patched.json["operation"] == .string("cckm_synchronization"))
        #expect(patched.json["run_at"] == .string("0 10 * * mon") && patched.json["description"] == .string("weekly"))
        #expect(
            patched.json["job_config_params"]
                == .object([("cloud_name", .string("aws")), ("kms", .array([.string("kms-2"), .string("kms-3")]))]),
            "the new params replace the target list")
        #expect(try app.get(SchedulerBodies.configs + "/" + id).body == patched.body)
        // A date set, then cleared with "" (Go's zero time leaves it as it is).
        let dated = try app.send(
            "PATCH", SchedulerBodies.configs + "/" + id,
            body: SchedulerBodies.terraformUpdate(runAt: "", description: "", kms: #"["kms-2"]"#, startDate: "2020-12-01T00:00:00Z"))
        #expect(dated.json["start_date"] == .string("2020-12-01T00:00:00Z") && dated.json["description"] == .string(""))
        let kept = try app.send(
            "PATCH", SchedulerBodies.configs + "/" + id, body: SchedulerBodies.terraformUpdate(runAt: "", description: "", kms: #"["kms-2"]"#))
        #expect(kept.json["start_date"] == .string("2020-12-01T00:00:00Z") && kept.json["run_at"] == .string("0 10 * * mon"))
        let cleared = try app.send("PATCH", SchedulerBodies.configs + "/" + id, body: #"{"start_date":""}"#)
        #expect(cleared.status == 200 && cleared.json["start_date"] == nil)
        // What cannot change, and what a PATCH may not say, are 400s that store nothing.
        let moved = try app.send(
            "PATCH", SchedulerBodies.configs + "/" + id, body: #"{"cckm_synchronization_params":{"cloud_name":"gcp","key_rings":["r"]}}"#)
        #expect(moved.status == 400 && moved.json["message"]?.stringValue?.contains("cckm_synchronization_params.cloud_name") == true)
        #expect(try app.send("PATCH", SchedulerBodies.configs + "/" + id, body: #"{"operation":"database_backup"}"#).status == 400)
        #expect(try app.send("PATCH", SchedulerBodies.configs + "/" + id, body: #"{"run_on":"node-9"}"#).status == 400)
        #expect(try app.get(SchedulerBodies.configs + "/" + id).body == cleared.body)
    }

    @Test func terraformsWholeLifecycleRoundTripsWithoutA4xx() throws {
        let app = try app()
        let created = try app.post(SchedulerBodies.configs, SchedulerBodies.terraformCreate())
        let id = try #require(created.json["id"]?.stringValue)
        let steps = [
            try app.get(SchedulerBodies.configs + "/" + id),
            try app.send(
                "PATCH", SchedulerBodies.configs + "/" + id,
                body: SchedulerBodies.terraformUpdate(runAt: "0 9 * * *", description: "d", kms: #"["kms-1"]"#)),
            try app.get(SchedulerBodies.configs + "/" + id),
            try app.get(SchedulerBodies.configs + "/?name=tf-aws&skip=0&limit=-1"),
            try app.delete(SchedulerBodies.configs + "/" + id),
        ]
        #expect([created.status] + steps.map(\.status) == [201, 200, 200, 200, 200, 204])
        let emptyList = try app.get(SchedulerBodies.configs + "/?skip=0&limit=-1")
        #expect(emptyList.json["resources"] == .array([]), "resources is a list, never null")
    }

    @Test(arguments: ["database_backup", "cckm_key_rotation", "cckm_xks_credential_rotation"])
    func otherOperationsAreStoredListedPatchedAndDeleted(operation: String) throws {
        let app = try app()
        let params: String =
            switch operation {
            case "database_backup":
                #""database_backup_params":{"tiedToHSM":false,"description":"","backupKey":"k","scope":"system","filters":null,"retentionCount":3,"do_scp":false,"connection":""}"#
            case "cckm_key_rotation":
                #""cckm_key_rotation_params":{"cloud_name":"aws","expiration":null,"expire_in":"30d","aws_param":{"retain_alias":true}}"#
            default: #""cckm_xks_credential_rotation_params":{"cloud_name":"aws"}"#
            }
        let body = #"{"name":"other","operation":"\#(operation)","run_at":"0 2 * * *",\#(params),"cckm_synchronization_params":null}"#
        let created = try app.post(SchedulerBodies.configs, body)
        #expect(created.status == 201, "\(created.json)")
        let id = try #require(created.json["id"]?.stringValue)
        #expect(created.json["job_config_params"]?.objectValue?.contains { $0.value == .null } == false, "null members are left out")
        #expect(try app.get(SchedulerBodies.configs + "?operation=\(operation)").total == 1)
        #expect(try app.get(SchedulerBodies.configs + "?disabled=false").total == 1 && app.get(SchedulerBodies.configs + "?disabled=true").total == 0)
        #expect(try app.send("PATCH", SchedulerBodies.configs + "/" + id, body: #"{"disabled":true}"#).json["disabled"] == .bool(true))
        #expect(try app.get(SchedulerBodies.configs + "?disabled=true&id=\(id)").total == 1)
        #expect(try app.delete(SchedulerBodies.configs + "/" + id).status == 204)
    }

    @Test func runNowStartsTheRunAtOnceAndJobRunsFollowTheirJobs() throws {
        let app = try app()
        let config = try #require(try app.post(SchedulerBodies.configs, SchedulerBodies.terraformCreate()).json["id"]?.stringValue)
        let run = try app.post(SchedulerBodies.configs + "/" + config + "/run-now")
        #expect(run.status == 201, "\(run.json)")
        #expect(
            run.json["status"] == .string("in_progress") && run.json["job_config_id"] == .string(config) && run.json["trigger"] == .string("run_now"))
        #expect(run.json["name"] == .string("tf-aws") && run.json["operation"] == .string("cckm_synchronization"))
        let jobID = try #require(run.json["details"]?["job_id"]?.stringValue)
        #expect(try app.get("/api/v1/cckm/aws/synchronization-jobs/" + jobID).json["overall_status"] == .string("in_progress"))
        // A second run while the first one's job runs: CM refuses the start, the run fails.
        let refused = try app.post(SchedulerBodies.configs + "/" + config + "/run-now")
        #expect(refused.json["status"] == .string("failed") && refused.json["details"]?["error"]?.stringValue?.contains("in progress") == true)
        try app.advance(60)
        let runID = try #require(run.json["id"]?.stringValue)
        #expect(try app.get("/api/v1/scheduler/jobs/" + runID).json["status"] == .string("completed"), "the run follows its job")
        #expect(try app.get("/__admin/schedules").json["schedules"]?.arrayValue?.first?["next_due"]?.stringValue == "2020-11-05T09:00:00.000000Z")
        let listed = try app.get("/api/v1/scheduler/jobs?sort=-createdAt")
        #expect(listed.total == 2 && listed.json["resources"]?.arrayValue?.map { $0["status"]?.stringValue } == ["failed", "completed"])
        #expect(try app.get("/api/v1/scheduler/jobs?job_status=completed&job_config_id=\(config)").total == 1)
        #expect(try app.get("/api/v1/scheduler/jobs?operation=database_backup").total == 0)
        #expect(try app.get("/api/v1/scheduler/jobs?name=tf-aws&skip=1&limit=1").json["resources"]?.arrayValue?.count == 1)
        #expect(try app.get("/api/v1/scheduler/jobs?job_status=done").status == 400)
        #expect(try app.get("/api/v1/scheduler/jobs?sort=colour").status == 400)
        #expect(try app.delete("/api/v1/scheduler/jobs/" + runID).status == 204)
        #expect(try app.get("/api/v1/scheduler/jobs/" + runID).status == 404)
        #expect(try app.post(SchedulerBodies.configs + "/00000000-0000-4000-8000-000000000000/run-now").status == 404)
        #expect(try app.get(SchedulerBodies.configs + "/" + config + "/run-now").status == 405)
        let latest = try app.get("/__admin/schedules").json["schedules"]?.arrayValue?.first?["last_run"]
        #expect(latest?["status"] == .string("failed"), "the dashboard's latest run of the config")
    }

    @Test func snapshotsRestoresAndResetsTakeJobRunsAlong() throws {
        let app = try app()
        let config = try #require(try app.post(SchedulerBodies.configs, SchedulerBodies.terraformCreate()).json["id"]?.stringValue)
        #expect(try app.post(SchedulerBodies.configs + "/" + config + "/run-now").status == 201)
        #expect(try app.post("/__admin/snapshots/one-run").status == 201)
        #expect(try app.post(SchedulerBodies.configs + "/" + config + "/run-now").status == 201)
        #expect(try app.get("/api/v1/scheduler/jobs").total == 2)
        #expect(try app.post("/__admin/snapshots/one-run/restore").status == 200)
        #expect(try app.get("/api/v1/scheduler/jobs").total == 1)
        #expect(try app.post("/__admin/reset?to=empty").status == 200)
        #expect(try app.get("/api/v1/scheduler/jobs").total == 0 && app.get(SchedulerBodies.configs).total == 0)
    }

    /// Issue 24 #28: ids are unique within a family only, so a run's link names the family too.
    @Test func anotherFamilysJobWithTheSameIDIsNotTheRunsJob() throws {
        let app = try app()
        let config = try #require(try app.post(SchedulerBodies.configs, SchedulerBodies.terraformCreate()).json["id"]?.stringValue)
        let jobID = try #require(try app.post(SchedulerBodies.configs + "/" + config + "/run-now").json["details"]?["job_id"]?.stringValue)
        let twin =
            #"{"jobs":[{"family":"sap","id":"\#(jobID)","createdAt":"2020-11-05T06:00:00Z","updatedAt":"2020-11-05T06:00:01Z","completed_at":"2020-11-05T06:00:01Z","overall_status":"completed","detailed_status":{"g":"group synchronized successfully"},"groups":["g"]}]}"#
        #expect(try app.post("/__admin/fixtures?mode=merge", twin).status == 200)
        let jobs = try app.get("/__admin/jobs?id=\(jobID)&limit=-1").json["resources"]?.arrayValue ?? []
        #expect(jobs.map { $0["family"]?.stringValue } == ["aws", "sap"] || jobs.map { $0["family"]?.stringValue } == ["sap", "aws"])
        for job in jobs {
            #expect(job["schedule"] == (job["family"] == .string("aws") ? .string(config) : nil), "\(job)")
        }
    }

    /// A configuration stored by an earlier build kept the members as sent; it still reads, runs
    /// and is answered in today's shape.
    @Test func aConfigStoredByAnEarlierBuildReadsInTodaysShape() throws {
        let earlier =
            #"{"id":"5c4e0000-0000-4000-8000-000000000009","uri":"kylo:kylo:scheduler:jobconfigs:5c4e0000-0000-4000-8000-000000000009","account":"kylo:kylo:admin:accounts:kylo","createdAt":"2020-11-05T06:00:00.000000Z","updatedAt":"2020-11-05T06:00:00.000000Z","name":"old","operation":"cckm_synchronization","run_at":"0 * * * *","cckm_synchronization_params":{"cloud_name":"aws","kms":["kms"]}}"#
        let config = try SchedulerConfig(document: earlier)
        #expect(config.family?.name == "aws" && config.name == "old")
        let answer = try JSONParser.parse(
            Array(config.document(id: "x", createdAt: ManualClock.defaultStart, updatedAt: ManualClock.defaultStart).utf8))
        #expect(answer["job_config_params"] == .object([("cloud_name", .string("aws")), ("kms", .array([.string("kms")]))]))
    }

    @Test func operationsListsEveryOperationTheSchedulerTakes() throws {
        let listed = try app().get("/api/v1/scheduler/operations")
        #expect(
            listed.json["resources"]?.arrayValue?.map { $0["name"]?.stringValue } == [
                "cckm_synchronization", "cckm_key_rotation", "cckm_xks_credential_rotation", "database_backup",
            ])
        #expect(listed.total == 4)
    }

    /// The done-when: a week over three configs (two families and a backup) under one seed.
    func aWeekOfRuns(seed: UInt64) throws -> (runs: [UInt8], jobs: [UInt8]) {
        let app = try app(seed: seed, allowConcurrent: true)
        #expect(try app.post(SchedulerBodies.configs, SchedulerBodies.terraformCreate()).status == 201)
        let azure = SchedulerBodies.terraformCreate(name: "tf-azure", cloud: "AzureCloud", targets: #""key_vaults":["vault-a"]"#)
            .replacingOccurrences(of: "0 9 * * *", with: "30 */12 * * *")
        #expect(try app.post(SchedulerBodies.configs, azure).status == 201)
        let backup = #"{"name":"nightly-backup","operation":"database_backup","run_at":"0 2 * * *","database_backup_params":{"scope":"system"}}"#
        #expect(try app.post(SchedulerBodies.configs, backup).status == 201)
        try app.advance(7 * 86_400)
        let runs = try app.get("/api/v1/scheduler/jobs?sort=-createdAt&limit=-1")
        let jobs = try app.get("/__admin/jobs?limit=-1&sort=createdAt")
        return (runs.body, jobs.body)
    }

    @Test func aWeekOfThreeConfigsIsTheSameByteForByteUnderOneSeed() throws {
        let first = try aWeekOfRuns(seed: 42)
        let again = try aWeekOfRuns(seed: 42)
        #expect(first.runs == again.runs && first.jobs == again.jobs)
        let runs = try JSONParser.parse(first.runs)
        // aws at 09:00 (7), Azure at 00:30 and 12:30 (14), the backup at 02:00 (7).
        #expect(runs["total"] == .number("28"))
        let items = runs["resources"]?.arrayValue ?? []
        let names = Dictionary(grouping: items, by: { $0["name"]?.stringValue ?? "" }).mapValues(\.count)
        #expect(names == ["tf-aws": 7, "tf-azure": 14, "nightly-backup": 7])
        #expect(items.allSatisfy { $0["status"] == .string("completed") }, "every run's job has ended by the week's end")
        let created = items.compactMap { $0["createdAt"]?.stringValue }
        #expect(created == created.sorted(by: >), "newest first")
        let jobIDs = Set(items.compactMap { $0["details"]?["job_id"]?.stringValue })
        #expect(jobIDs.count == 21, "each synchronization run names the job it started")
        #expect(try JSONParser.parse(first.jobs)["total"] == .number("21"))
        #expect(try aWeekOfRuns(seed: 7).runs != first.runs, "another seed, other ids")
    }

    @Test func aCronThatNeverFiresIsAcceptedAndNeverDue() throws {
        let app = try app()
        let body = SchedulerBodies.terraformCreate().replacing("0 9 * * *", with: "0 0 31 2 *")
        #expect(try app.post(SchedulerBodies.configs, body).status == 201)
        #expect(try app.get("/__admin/schedules").json["schedules"]?.arrayValue?.first?["next_due"] == .null)
    }

    // MARK: - Login

    @Test(arguments: [
        #"{"name":"admin","password":"admin"}"#,
        #"{"username":"admin","password":"admin","domain":"","auth_domain":""}"#,
        #"{"grant_type":"password","username":"admin","password":"admin","connection":"local_account","domain":"team-a"}"#,
    ])
    func loginsAsClientsSendThem(body: String) throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true, accounts: Accounts(domains: ["team-a"])))
        for path in ["/api/v1/auth/tokens", "/api/v1/auth/tokens/"] {
            let login = try app.post(path, body)
            #expect(login.status == 200, "\(path) \(body): \(login.json)")
            let jwt = try #require(login.json["jwt"]?.stringValue)
            #expect(try app.send("GET", "/api/v1/cckm/aws/synchronization-jobs", token: jwt).status == 200)
            let refresh = try #require(login.json["refresh_token"]?.stringValue)
            let renewed = try app.post(path, #"{"grant_type":"refresh_token","refresh_token":"\#(refresh)","renew_refresh_token":false}"#)
            #expect(renewed.status == 200)
        }
    }

    @Test(arguments: [
        (#"{"username":"admin","password":"admin","domain":5}"#, "domain"),
        (#"{"username":"admin","password":"admin","domain":["team-a"]}"#, "domain"),
        (#"{"username":"admin","password":"admin","domain":null}"#, "domain"),
        (#"{"grant_type":5,"username":"admin","password":"admin"}"#, "grant_type"),
        (#"{"name":7,"password":"admin"}"#, "name"),
        (#"{"username":"admin","password":"admin","renew_refresh_token":"yes"}"#, "renew_refresh_token"),
    ])
    func wrongTypesInALoginAre400sNamingTheField(body: String, field: String) throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true, accounts: Accounts(domains: ["team-a"])))
        let login = try app.post("/api/v1/auth/tokens", body)
        #expect(login.status == 400 && login.json["message"]?.stringValue?.contains("\"\(field)\"") == true, "\(login.json)")
    }

    /// Found by the fuzzer: a body with an empty `refresh_token` still asks for the refresh grant.
    @Test func anEmptyRefreshTokenIsARefreshThatFails() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true))
        #expect(try app.post("/api/v1/auth/tokens", #"{"refresh_token":""}"#).status == 401)
        #expect(try app.post("/api/v1/auth/tokens", #"{"name":"","password":"admin"}"#).status == 401, "a user named \"\" is a wrong login")
    }
}
