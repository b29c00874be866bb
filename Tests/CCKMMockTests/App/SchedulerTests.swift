import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

/// `/api/v1/scheduler/job-configs` and its runs on the manual clock (issue 17).
@Suite(.inProcess()) struct SchedulerTests {
    static let path = "/api/v1/scheduler/job-configs"

    func app(_ settings: SimulatorSettings = SimulatorSettings(targetDuration: 5...5), fixture: Fixture? = nil, auth: Bool = false) throws
        -> InProcessApp
    {
        try InProcessApp(settings: settings, auth: AuthSettings(enabled: auth, accounts: Accounts(domains: ["team-a"])), fixture: fixture)
    }

    func awsJobs(_ app: InProcessApp) throws -> [JSONValue] {
        try app.get("/__admin/jobs?family=aws&limit=-1&sort=createdAt").json["resources"]?.arrayValue ?? []
    }

    @Test func aConfigIsCreatedShapedAsCMShapesResources() throws {
        let app = try app()
        let created = try app.post(Self.path, SchedulerBodies.every15)
        #expect(created.status == 201)
        // Unset dates are left out; the operation's parameters come back under `job_config_params`.
        #expect(
            created.json.objectValue?.map(\.key) == [
                "id", "uri", "account", "application", "devAccount", "createdAt", "updatedAt", "name", "description", "operation", "run_on",
                "run_at", "disabled", "job_config_params",
            ])
        #expect(created.json["job_config_params"] == .object([("cloud_name", .string("aws")), ("kms", .array([.string("kms")]))]))
        let id = try #require(created.json["id"]?.stringValue)
        #expect(isUUID(id) && created.json["uri"]?.stringValue == "kylo:kylo:scheduler:jobconfigs:" + id)
        #expect(try app.get(Self.path + "/" + id).body == created.body)
        #expect(try app.get(Self.path + "/").total == 1, "a trailing slash is accepted")
        try app.post(Self.path, SchedulerBodies.every15).expectError(
            status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "named \"aws-15\" already exists")
    }

    /// Issue 31 #17: an upper-case id was a 404 everywhere, as CCKM job ids are not.
    @Test func idsAreFoundInAnyCase() throws {
        let app = try app()
        let id = try #require(try app.post(Self.path, SchedulerBodies.every15).json["id"]?.stringValue)
        let upper = id.uppercased()
        #expect(try app.get(Self.path + "/" + upper).json["id"]?.stringValue == id)
        #expect(try app.get(Self.path + "?id=" + upper).total == 1)
        #expect(try app.send("PATCH", Self.path + "/" + upper, body: #"{"description":"x"}"#).status == 200)
        let run = try app.post(Self.path + "/" + upper + "/run-now")
        #expect(run.status == 201 || run.status == 200, "\(run.json)")
        let runID = try #require(run.json["id"]?.stringValue).uppercased()
        #expect(try app.get("/api/v1/scheduler/jobs/" + runID).status == 200)
        #expect(try app.get("/api/v1/scheduler/jobs?job_config_id=" + upper).total == 1)
        #expect(try app.get("/api/v1/scheduler/jobs?id=" + runID).total == 1)
        #expect(try app.send("DELETE", "/api/v1/scheduler/jobs/" + runID).status == 204)
        #expect(try app.send("DELETE", Self.path + "/" + upper).status == 204)
    }

    @Test func fourAWSJobsInAnHourEveryFifteenMinutes() throws {
        let app = try app()
        let id = try #require(try app.post(Self.path, SchedulerBodies.every15).json["id"]?.stringValue)
        try app.advance(3600)
        let jobs = try awsJobs(app)
        #expect(
            jobs.map { $0["job"]?["createdAt"]?.stringValue ?? "" }.map { String($0.dropFirst(11).prefix(5)) } == [
                "06:45", "07:00", "07:15", "07:30",
            ])
        #expect(jobs.allSatisfy { $0["schedule"]?.stringValue == id }, "each job links back to its config")
        #expect(jobs.allSatisfy { $0["job"]?["overall_status"]?.stringValue == "completed" })
        let runs = (try app.get("/__admin/events").json["events"]?.arrayValue ?? []).filter { $0["from"]?.stringValue == "scheduler config " + id }
        #expect(runs.map { $0["to"]?.stringValue } == ["started", "started", "started", "started"])
        #expect(try app.get("/__admin/schedules").json["schedules"]?.arrayValue?.first?["next_due"]?.stringValue == "2020-11-05T07:45:00.000000Z")
    }

    @Test func aRunWhileTheFamilysJobRunsIsSkipped() throws {
        let fixture = try Fixture.parse(
            bytes: Array(#"{"scripts":[{"family":"aws","target":"stuck","outcome":"hang"}]}"#.utf8), source: "f", now: ManualClock.defaultStart)
        let app = try app(fixture: fixture)
        let stuck = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["kms"],"regions":["stuck"]}"#)
        #expect(stuck.status == 201)
        let id = try #require(try app.post(Self.path, SchedulerBodies.every15).json["id"]?.stringValue)
        try app.advance(1800)
        let runs = (try app.get("/__admin/events").json["events"]?.arrayValue ?? []).filter { $0["from"]?.stringValue == "scheduler config " + id }
        #expect(runs.map { $0["to"]?.stringValue } == ["skipped: a aws job is in progress", "skipped: a aws job is in progress"])
        #expect(runs.map { $0["job"]?.stringValue } == [id, id])
        #expect(try awsJobs(app).count == 1)
    }

    @Test func listFiltersPagesAndDomainsKeepApart() throws {
        let app = try app(auth: true)
        let root = try #require(try app.post("/__admin/tokens").json["jwt"]?.stringValue)
        let teamA = try #require(try app.post("/__admin/tokens", #"{"domain":"team-a"}"#).json["jwt"]?.stringValue)
        for name in ["a", "b", "c"] {
            let body = SchedulerBodies.every15.replacingOccurrences(of: "aws-15", with: name)
            #expect(try app.send("POST", Self.path, body: body, token: root).status == 201)
        }
        #expect(try app.send("POST", Self.path, body: SchedulerBodies.every15, token: teamA).status == 201, "names are unique per domain")
        let page = try app.send("GET", Self.path + "?skip=1&limit=1", token: root)
        #expect(page.total == 3 && page.json["resources"]?.arrayValue?.map { $0["name"]?.stringValue } == ["b"])
        #expect(try app.send("GET", Self.path + "?name=c", token: root).total == 1)
        #expect(try app.send("GET", Self.path + "?operation=database_backup", token: root).total == 0)
        #expect(try app.send("GET", Self.path, token: teamA).total == 1)
        #expect(try app.send("GET", Self.path, token: nil).status == 401)
    }

    @Test func patchChangesAnySubsetAndDeleteRemoves() throws {
        let app = try app()
        let created = try app.post(Self.path, SchedulerBodies.every15)
        let id = try #require(created.json["id"]?.stringValue)
        let patched = try app.send("PATCH", Self.path + "/" + id, body: #"{"run_at":"0 9 * * sat","description":"weekly"}"#)
        #expect(patched.status == 200 && patched.json["run_at"]?.stringValue == "0 9 * * sat")
        #expect(patched.json["description"]?.stringValue == "weekly" && patched.json["job_config_params"]?["kms"] == .array([.string("kms")]))
        #expect(try app.get("/__admin/schedules").json["schedules"]?.arrayValue?.first?["next_due"]?.stringValue == "2020-11-07T09:00:00.000000Z")
        #expect(try app.send("PATCH", Self.path + "/" + id, body: #"{"disabled":true}"#).status == 200)
        try app.advance(7 * 86_400)
        #expect(try awsJobs(app).isEmpty, "a disabled config does not run")
        #expect(try app.delete(Self.path + "/" + id).status == 204)
        try app.delete(Self.path + "/" + id).expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
    }

    @Test func datesBoundTheRuns() throws {
        let app = try app()
        let body =
            #"{"name":"window","operation":"cckm_synchronization","run_at":"0 * * * *","start_date":"2020-11-05T09:30:00Z","end_date":"2020-11-05T12:00:00Z","cckm_synchronization_params":{"cloud_name":"gcp","key_rings":["ring"]}}"#
        #expect(try app.post(Self.path, body).status == 201)
        try app.advance(86_400)
        let jobs = try app.get("/__admin/jobs?family=google&limit=-1&sort=createdAt").json["resources"]?.arrayValue ?? []
        #expect(jobs.map { $0["job"]?["createdAt"]?.stringValue ?? "" }.map { String($0.dropFirst(11).prefix(5)) } == ["10:00", "11:00", "12:00"])
    }

    @Test(arguments: [
        (#"{"operation":"backup"}"#, "\"operation\"", "not one of cckm_synchronization, cckm_key_rotation"),
        (#"{"database_backup_params":{"scope":"system"}}"#, "\"database_backup_params\"", "this configuration's operation is cckm_synchronization"),
        (#"{"run_at":"0 9 * * sat mon"}"#, "\"run_at\"", "expected 5 fields"),
        (#"{"run_at":"0 25 * * *"}"#, "\"run_at\"", "hour 25 is out of range"),
        (#"{"cckm_synchronization_params":{"cloud_name":"aws","key_vaults":["v"]}}"#, "cckm_synchronization_params.key_vaults", "not a parameter"),
        (#"{"cckm_synchronization_params":{"cloud_name":"ibm","kms":["k"]}}"#, "cckm_synchronization_params.cloud_name", "not one of aws"),
        (#"{"cckm_synchronization_params":{"cloud_name":"aws"}}"#, "cckm_synchronization_params", "synchronize_all"),
        (#"{"start_date":"2021-01-02T00:00:00Z","end_date":"2021-01-01T00:00:00Z"}"#, "\"end_date\"", "is before start_date"),
        (#"{"run_on":"node-2"}"#, "\"run_on\"", "not one of any"), (#"{"colour":"red"}"#, "\"colour\"", "unknown field"),
        (#"{"name":""}"#, "\"name\"", "1 to 256"),
    ])
    func badConfigsAre400sNamingTheField(change: String, field: String, reason: String) throws {
        let app = try app()
        let base = try JSONParser.parse(Array(SchedulerBodies.every15.utf8)).objectValue ?? []
        var merged = base
        for member in try JSONParser.parse(Array(change.utf8)).objectValue ?? [] {
            if let index = merged.firstIndex(where: { $0.key == member.key }) { merged[index].value = member.value } else { merged.append(member) }
        }
        let reply = try app.post(Self.path, JSONValue.object(merged).jsonText)
        #expect(reply.status == 400)
        let message = reply.json["message"]?.stringValue ?? ""
        #expect(message.contains(field) && message.contains(reason), "\(message)")
    }

    @Test func everyCloudMapsToTheFamilyCMWouldRun() throws {
        let app = try app(SimulatorSettings(targetDuration: 5...5, allowConcurrentJobs: true))
        let clouds: [(String, String, String)] = [
            ("aws", "kms", "aws"), ("AzureCloud", "key_vaults", "azure"), ("gcp", "key_rings", "google"), ("oci", "oci_vaults", "oci"),
            ("sap", "groups", "sap"), ("sfdc", "organization_ids", "sfdc-keys"), ("hsm-luna", "partitions", "luna-synchronize"),
            ("dsm", "domains", "dsm"),
        ]
        for (cloud, field, _) in clouds {
            let body =
                #"{"name":"\#(cloud)","operation":"cckm_synchronization","run_at":"0 7 * * *","cckm_synchronization_params":{"cloud_name":"\#(cloud)","\#(field)":["t"]}}"#
            #expect(try app.post(Self.path, body).status == 201, "\(cloud)")
        }
        try app.advance(3600)
        let families = Set((try app.get("/__admin/jobs?limit=-1").json["resources"]?.arrayValue ?? []).compactMap { $0["family"]?.stringValue })
        #expect(families == Set(clouds.map(\.2)))
    }

    @Test func fixturesDeclareSchedulesAndResetsAndSnapshotsKeepThem() throws {
        let text =
            #"{"domains":["team-a"],"schedules":[{"domain":"team-a","id":"5c4e0000-0000-4000-8000-000000000001","name":"nightly","operation":"cckm_synchronization","run_at":"0 0 * * *","cckm_synchronization_params":{"cloud_name":"oci","vaults":["v1"]}}]}"#
        let fixture = try Fixture.parse(bytes: Array(text.utf8), source: "f", now: ManualClock.defaultStart)
        let app = try app(fixture: fixture)
        let listed = try app.get("/__admin/schedules").json["schedules"]?.arrayValue ?? []
        #expect(listed.map { $0["id"]?.stringValue } == ["5c4e0000-0000-4000-8000-000000000001"] && listed.first?["domain"] == .string("team-a"))
        #expect(try app.post("/__admin/snapshots/before").status == 201)
        #expect(try app.delete(Self.path + "/5c4e0000-0000-4000-8000-000000000001").status == 404, "another domain's config")
        #expect(try app.post("/__admin/reset?to=empty").status == 200)
        #expect(try app.get("/__admin/schedules").json["schedules"]?.arrayValue?.isEmpty == true)
        #expect(try app.post("/__admin/snapshots/before/restore").status == 200)
        #expect(try app.get("/__admin/schedules").json["schedules"]?.arrayValue?.count == 1)
        #expect(try app.post("/__admin/reset?to=empty").status == 200)
        #expect(try app.post("/__admin/reset").status == 200)
        #expect(try app.get("/__admin/schedules").json["schedules"]?.arrayValue?.count == 1, "a reset goes back to the fixture's configs")
        try app.advance(86_400)
        #expect(try app.get("/__admin/jobs?domain=team-a").total == 1)
        let bad = try app.post("/__admin/fixtures", #"{"schedules":[{"name":"x","operation":"backup","run_at":"* * * * *"}]}"#)
        #expect(bad.status == 400 && bad.json["message"]?.stringValue?.contains("$.schedules[0]") == true)
    }

    @Test func aLongAdvanceRunsAtMostItsLimitAndMovesOn() throws {
        var settings = SimulatorSettings(targetDuration: 1...1, allowConcurrentJobs: true)
        settings.maxSchedulerRunsPerAdvance = 300
        let app = try app(settings)
        let body = SchedulerBodies.every15.replacingOccurrences(of: "*/15 * * * *", with: "* * * * *")
        #expect(try app.post(Self.path, body).status == 201)
        try app.advance(10 * 86_400)  // 14,400 minutes
        #expect(try app.get("/__admin/jobs?family=aws&limit=0").total == 300)
        #expect(try app.get("/__admin/schedules").json["schedules"]?.arrayValue?.first?["next_due"]?.stringValue == "2020-11-15T06:39:00.000000Z")
    }
}
