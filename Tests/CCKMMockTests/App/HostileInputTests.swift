import CCKMCore
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import Synchronization
import TestSupport
import Testing

@testable import CCKMEngine
@testable import CCKMMock

/// The probes of issue 13, in-process: each one crashed, stalled, leaked or lied before its fix.
/// (The ones that need a socket are in `HostileLiveTests`.)
@Suite(.inProcess()) struct HostileInputTests {
    static let tenYears = 10 * 365.25 * 86_400.0

    func start(_ app: InProcessApp, _ family: String, _ targets: [String], token: String? = nil) throws -> Reply {
        let family = JobFamily.named(family)!
        let body = "{\"\(family.bodyTargetField)\": [" + targets.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
        return try app.send("POST", "/api/v1/cckm/" + family.basePath, body: body, token: token)
    }

    func clock(_ app: InProcessApp) throws -> String { try #require(try app.get("/__admin/clock").json["now"]?.stringValue) }

    // MARK: 1. time values from outside cannot trap

    @Test(arguments: ["-1e300d", "-106501d", "-9999999999h", "-1e20s"])
    func relativeTimesFarInThePastAre400s(createdAt: String) throws {
        let app = try InProcessApp()
        let body = #"{"jobs":[{"family":"dsm","id":"44444444-4444-4444-8444-444444444444","createdAt":"\#(createdAt)"}]}"#
        try app.post("/__admin/fixtures", body).expectError(
            status: 400, code: 15, codeDesc: "NCERRBadRequest: Bad request", messageContains: "$.jobs[0].createdAt")
        #expect(try app.post("/__admin/fixtures", body).json["message"]?.stringValue?.contains("go back at most to 1900") == true)
        // `fixtures validate` and `serve --fixtures` read through the same parser.
        #expect(throws: FixtureError.self) { try Fixture.parse(bytes: Array(body.utf8), source: "f.json", now: ManualClock.defaultStart) }
        #expect(try app.get("/__admin/health").status == 200)
    }

    @Test func roundingTheEarliestInstantDoesNotTrap() {
        #expect(Timestamp(nanoseconds: .min).roundedToMicroseconds == Timestamp(nanoseconds: .min))
        #expect(Timestamp(nanoseconds: .min + 1000).roundedToMicroseconds.nanoseconds == -9_223_372_036_854_775_000)
    }

    // MARK: 2. the manual clock stays below its cap

    @Test(arguments: ["1e-300", "0.0001", "0", "-1", "1e300"])
    func timeScalesOutsideTheRangeAre400s(scale: String) throws {
        let app = try InProcessApp()
        try app.post("/__admin/clock", #"{"timeScale": \#(scale)}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "\"timeScale\"")
    }

    @Test(arguments: [#""1e300""#, "315576001", #""1-1e300""#])
    func fixtureDurationsPastTenYearsAre400s(duration: String) throws {
        let app = try InProcessApp()
        try app.post("/__admin/fixtures", #"{"simulator":{"*":{"targetDuration":\#(duration)}}}"#).expectError(
            status: 400, code: 15, codeDesc: "NCERRBadRequest: Bad request", messageContains: "targetDuration")
    }

    @Test func settlingCannotPushTheClockPast2200AndWritesGoOn() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 9 * 365.25 * 86_400...9 * 365.25 * 86_400))
        for _ in 0..<17 { try app.advance(Self.tenYears) }  // 2020 + 170 years
        #expect(try start(app, "oci", ["v1"]).status == 201)
        let before = try clock(app)
        // The job would end in 2199; a second advance of 9 years makes the next one end past 2200.
        try app.advance(9 * 365.25 * 86_400)
        #expect(try start(app, "sap", ["g1"]).status == 201)
        let settled = try app.post("/__admin/jobs/settle")
        settled.expectError(status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "may not pass 2200-01-01")
        #expect(try clock(app) != before && (try clock(app)).hasPrefix("2199"), "the clock stayed where the advance left it")
        #expect(try start(app, "dsm", ["d1"]).status == 201, "writes still work")
        #expect(try app.post("/__admin/reset?to=empty").status == 200)
        #expect(try start(app, "dsm", ["d1"]).status == 201)
    }

    @Test func theSlowestTimeScaleStillEndsJobsInsideTheClockRange() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: Self.tenYears...Self.tenYears))
        #expect(try app.post("/__admin/clock", #"{"timeScale": 0.001}"#).status == 200)
        #expect(try start(app, "oci", ["v1"]).status == 201)
        // 10 years at a thousandth of the speed is 10,000 years; a target is held to 50.
        #expect(try app.post("/__admin/jobs/settle").status == 200)
        #expect(try clock(app).hasPrefix("2070-11-05"))
        #expect(try app.get("/api/v1/cckm/oci/synchronization-jobs").json["resources"]?.arrayValue?.first?["overall_status"] == .string("completed"))
    }

    // MARK: 5. the response cache is bounded in bytes and drops what a write made stale

    @Test func theCacheStaysWithinItsBytesAndLetsStaleEntriesGo() throws {
        let jobs = (0..<300).map { TestJobs.make(JobFamily.named("sap")!, $0) }
        let app = try InProcessApp(jobs: jobs, cacheBytes: 256 << 10)
        for skip in 0..<60 {
            // Asked twice: an answer is kept from its URL's second ask.
            for _ in 0..<2 { #expect(try app.get("/api/v1/cckm/sap/synchronization-jobs?limit=20&skip=\(skip)").status == 200) }
            #expect(app.app.cache.usage.bytes <= 256 << 10)
        }
        #expect(app.app.cache.usage.entries > 1)
        // A whole list over 300 jobs is more than an eighth of the cache: served, not kept.
        #expect(try app.get("/api/v1/cckm/sap/synchronization-jobs?limit=-1").total == 300)
        for _ in 0..<2 { #expect(try app.get("/api/v1/cckm/sap/synchronization-jobs").total == 300) }
        let kept = app.app.cache.usage.entries
        // Issue 22: a write to another family leaves these entries; one to theirs makes them stale,
        // and a stale one is dropped and built again at its next lookup, within the same bound.
        #expect(try start(app, "dsm", ["d"]).status == 201)
        #expect(try app.get("/api/v1/cckm/sap/synchronization-jobs").total == 300)
        #expect(app.app.cache.usage.entries == kept, "another family's write leaves them")
        #expect(try start(app, "sap", ["s"]).status == 201)
        #expect(try app.get("/api/v1/cckm/sap/synchronization-jobs").total == 301, "a write to sap's jobs makes its entries stale")
        #expect(app.app.cache.usage.entries == kept && app.app.cache.usage.bytes <= 256 << 10)
    }

    @Test func aZeroCacheCachesNothing() throws {
        let app = try InProcessApp(cacheBytes: 0)
        #expect(try app.get("/api/v1/cckm/sap/synchronization-jobs").status == 200)
        #expect(app.app.cache.usage.entries == 0)
    }

    // MARK: 6. a write wakes only its own job's waiters

    @Test func parkedWaitsAreIndexedByJob() async throws {
        let fixture = try Fixture.parse(
            bytes: Array(#"{"scripts":[{"family":"oci","target":"held","outcome":"hang"}]}"#.utf8), source: "f", now: ManualClock.defaultStart)
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5, allowConcurrentJobs: true), fixture: fixture)
        let held = try #require(try start(app, "oci", ["held"]).json["id"]?.stringValue)
        let delivered = Counter()
        // Timeouts far past the test's own limit: the parks and the reads below take seconds on
        // a busy machine, and a wait that timed out is no longer parked.
        let wait = HTTPRequest(method: "GET", path: "/__admin/jobs/\(held)/wait", query: [QueryItem(name: "timeout", value: "5m")])
        for _ in 0..<1000 {
            guard case .later(let park, _) = app.app.reply(to: wait) else {
                Issue.record("a wait on a running job parks")
                return
            }
            park { _ in delivered.increment() }
        }
        #expect(app.app.waiters.count == 1000)
        let reads = app.app.waiters.documentsRead
        for _ in 0..<20 {
            #expect(try start(app, "sap", ["g"]).status == 201)
            try app.advance(5)
        }
        #expect(app.app.waiters.documentsRead == reads, "starts and other jobs' ends read no parked job")
        #expect(try app.post("/__admin/jobs/\(held)/complete").status == 200)
        #expect(delivered.value == 1000 && app.app.waiters.count == 0)
        #expect(app.app.waiters.documentsRead == reads + 1, "one read answered all of them")
    }

    // MARK: 7. fixture problems: at most 100 located, the rest counted

    @Test func aFixtureWithManyProblemsReportsAHundredAndCountsTheRest() throws {
        let bad = (0..<5000).map { _ in #"{"family":"aws","id":"x"}"# }.joined(separator: ",")
        let reply = try InProcessApp().post("/__admin/fixtures", #"{"jobs":["# + bad + "]}")
        let message = try #require(reply.json["message"]?.stringValue)
        let lines = message.split(separator: "\n")
        #expect(reply.status == 400 && lines.count == 1 + 100 + 1)
        #expect(lines[1].hasPrefix("request body:1:"), "located")
        #expect(lines.last == "request body: … and 9900 more problems")
    }

    // MARK: 8 and 14. a full disk: a 507 envelope, and the clock does not move

    @Test func aFullDiskIsA507AndAFailedAdvanceLeavesTheClock() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5, allowConcurrentJobs: true))
        #expect(try start(app, "oci", ["v1", "v2", "v3"]).status == 201)
        let store = app.app.engine.store
        try store.database.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages + 1)")
        }
        // Large starts until one does not fit, then one-target starts until those do not either:
        // the pages a failed write gave back (or a dropped index left free) are taken too.
        var full: Reply?
        for size in [40, 1] {
            full = nil
            for index in 0..<2000 where full == nil {
                let reply = try start(app, "sap", (0..<size).map { "group-\(size)-\(index)-\($0)" })
                if reply.status != 201 { full = reply }
            }
        }
        let refused = try #require(full)
        refused.expectError(status: 507, code: 14, codeDesc: "NCERRInsufficientStorage: Insufficient storage", messageContains: "disk is full")
        let before = try clock(app)
        let advanced = try app.post("/__admin/clock/advance", #"{"seconds": 60}"#)
        advanced.expectError(status: 507, code: 14, codeDesc: "NCERRInsufficientStorage: Insufficient storage", messageContains: "disk is full")
        #expect(try clock(app) == before, "the clock stayed, so a retry advances once")
        try store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        #expect(try app.post("/__admin/clock/advance", #"{"seconds": 60}"#).status == 200)
        #expect(
            try app.get("/api/v1/cckm/oci/synchronization-jobs").json["resources"]?.arrayValue?.first?["overall_status"]?.stringValue == "completed")
    }

    // MARK: 9. secrets never reach the journal in the clear

    @Test func theJournalMasksSecretsInBodiesAndQueries() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true))
        let login = try app.post("/api/v1/auth/tokens", #"{"grant_type":"password","username":"admin","password":"hunter2-admin"}"#)
        #expect(login.status == 401)
        let good = try app.post("/api/v1/auth/tokens", #"{"grant_type":"password","username":"admin","password":"admin"}"#)
        let refresh = try #require(good.json["refresh_token"]?.stringValue)
        _ = try app.post("/api/v1/auth/tokens", #"{"grant_type":"refresh_token","refresh_token":"\#(refresh)"}"#)
        _ = try app.post("/api/v1/auth/tokens?password=in-the-query", #"{"nested":{"client_secret":"cs-1","list":[{"jwt":"j-1"}]}}"#)
        _ = try app.post("/api/v1/auth/revoke", "token=" + refresh + "&grant_type=x")
        _ = try app.post("/api/v1/auth/tokens", #"{"password":"cut-json-"# + String(repeating: "x", count: 20_000))
        let journal = String(decoding: try app.get("/__admin/requests").body, as: UTF8.self)
        for secret in ["hunter2-admin", refresh, "in-the-query", "cs-1", "j-1", "cut-json-"] {
            #expect(!journal.contains(secret), "\(secret) is in the journal")
        }
        #expect(journal.contains(#"\"password\":\"***\""#) && journal.contains(#""value":"***""#) && journal.contains("grant_type=x"))
    }

    // MARK: 10. events and the journal are paged, never cut without saying so

    @Test func eventsComeInPagesWithACursor() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...1, allowConcurrentJobs: true))
        for _ in 0..<5 { #expect(try start(app, "sap", ["a", "b", "c"]).status == 201) }
        try app.advance(1)
        let all = try app.get("/__admin/events")
        #expect(all.json["events"]?.arrayValue?.count == 25 && all.json["next"] == .null)
        var seen: [JSONValue] = []
        var cursor: String?
        repeat {
            let page = try app.get("/__admin/events?limit=7" + (cursor.map { "&after=" + $0 } ?? ""))
            seen += page.json["events"]?.arrayValue ?? []
            cursor = page.json["next"]?.stringValue
        } while cursor != nil
        #expect(seen == all.json["events"]?.arrayValue, "the pages add up to the whole history, in order")
        try app.get("/__admin/events?limit=10001").expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "\"limit\"")
    }

    @Test func theJournalPagesForwardAndRefusesUnknownFilters() throws {
        let app = try InProcessApp()
        for _ in 0..<5 { _ = try app.get("/api/v1/cckm/sap/synchronization-jobs") }
        _ = try app.get("/api/v1/cckm/nowhere")
        let first = try app.get("/__admin/requests?after=0&limit=4")
        #expect(first.json["requests"]?.arrayValue?.count == 4 && first.json["next"]?.stringValue == "4")
        let rest = try app.get("/__admin/requests?after=4&limit=4")
        #expect(rest.json["requests"]?.arrayValue?.count == 2 && rest.json["next"] == .null)
        #expect(try app.get("/__admin/requests?status=404").total == 1)
        #expect(try app.get("/__admin/requests?status=2xx").total == 5)
        #expect(try app.get("/__admin/requests/count?status=404").json["count"]?.intValue == 1)
        for query in ["status=503x", "statu=503", "domain=root"] {
            #expect(try app.get("/__admin/requests?" + query).status == 400, "\(query)")
        }
    }

    // MARK: 12. a token's domain is looked up, not searched for

    @Test func sixtyThousandDomainsResolveByID() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true))
        app.app.tokens.add(users: [:], domains: (0..<60_000).map { "tenant-\($0)" })
        let last = try #require(try app.post("/__admin/tokens", #"{"domain":"tenant-59999"}"#).json["jwt"]?.stringValue)
        #expect(try app.send("GET", "/api/v1/cckm/sap/synchronization-jobs", token: last).status == 200)
        #expect(try app.post("/__admin/tokens", #"{"domain":"tenant-60000"}"#).status == 404)
        #expect(try app.get("/__admin/domains").json["domains"]?.arrayValue?.count == 60_001)
    }

    // MARK: 13. one spelling of a signature, final fault statuses

    @Test func aSignatureIsAcceptedInItsCanonicalSpellingOnly() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true))
        let jwt = try #require(try app.post("/__admin/tokens").json["jwt"]?.stringValue)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = try #require(alphabet.firstIndex(of: jwt.last!))
        // 32 bytes in 43 digits: the last digit carries 4 bits and 2 unused ones, so 4 spellings decode alike.
        let spellings = (0..<4).map { String(jwt.dropLast()) + String(alphabet[(last & ~3) | $0]) }
        for spelling in spellings {
            let status = try app.send("GET", "/api/v1/cckm/sap/synchronization-jobs", token: spelling).status
            #expect(status == (spelling == jwt ? 200 : 401), "\(spelling.suffix(3))")
        }
    }

    @Test(arguments: [100, 101, 199, 200, 302, 399, 600])
    func faultStatusesMustBeErrors(status: Int) throws {
        try InProcessApp().post("/__admin/faults", #"{"path":"/x","status":\#(status)}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "from 400 to 599")
    }

    // MARK: 15. careless input: what was meant works

    @Test func jobsInAnUndeclaredDomainAreReachable() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true))
        let fixture =
            #"{"jobs":[{"family":"dsm","domain":"team-x","id":"44444444-4444-4444-8444-444444444444","createdAt":"now","overall_status":"completed","domains":["d"]}]}"#
        #expect(try app.post("/__admin/fixtures?baseline=true", fixture).status == 200)
        let token = try #require(try app.post("/__admin/tokens", #"{"domain":"team-x"}"#).json["jwt"]?.stringValue)
        #expect(try app.send("GET", "/api/v1/cckm/dsm/refresh", token: token).total == 1)
        #expect(try app.post("/__admin/reset").status == 200, "the baseline keeps the job, and its domain with it")
        #expect(try app.send("GET", "/api/v1/cckm/dsm/refresh", token: token).total == 1)
    }

    @Test func authDomainPathWinsOverDomainAtLogin() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true, accounts: Accounts(domains: ["team-a", "team-b"])))
        let body = #"{"grant_type":"password","username":"admin","password":"admin","domain":"team-b","auth_domain_path":"root/team-a"}"#
        let jwt = try #require(try app.post("/api/v1/auth/tokens", body).json["jwt"]?.stringValue)
        #expect(try start(app, "dsm", ["d"], token: jwt).status == 201)
        #expect(try app.get("/__admin/jobs?domain=team-a").total == 1)
        #expect(try app.get("/__admin/jobs?domain=team-b").total == 0)
        #expect(try app.post("/api/v1/auth/tokens", body.replacingOccurrences(of: "root/team-a", with: "root/team-z")).status == 401)
    }

    @Test(arguments: ["azure", "azure-certificates", "azure-secrets"])
    func everyAzureScopeTakesTheBackupFlag(family: String) throws {
        let app = try InProcessApp()
        let path = "/api/v1/cckm/" + JobFamily.named(family)!.basePath
        #expect(try app.post(path, #"{"key_vaults":["v"],"take_cloud_key_backup":true}"#).status == 201)
    }

    @Test func forcingATargetTakesTheNameScriptsTake() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5))
        let job = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["kms-1"],"regions":["ap-south-1","eu-west-1"]}"#)
        let id = try #require(job.json["id"]?.stringValue)
        let keys = try #require(job.json["detailed_status"]?.objectValue?.map(\.key))
        #expect(keys.allSatisfy { $0.contains("/") }, "AWS keys are account/region: \(keys)")
        let failed = try app.post("/__admin/jobs/\(id)/fail", #"{"target":"ap-south-1"}"#)
        #expect(failed.status == 200)
        #expect(failed.detailed.contains { $0.hasSuffix("/ap-south-1=" + JobFamily.named("aws")!.failureMessage(target: keys[0])) })
        try app.post("/__admin/jobs/\(id)/fail", #"{"target":"us-east-9"}"#).expectError(
            status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "not running")
    }

    @Test func dashboardIDsShowTheirRandomEnd() {
        // Ids are time-ordered: the first 8 digits of jobs started close together are the same.
        #expect(DashboardPage.html.contains("job.id.slice(-8)") && !DashboardPage.html.contains("job.id.slice(0, 8)"))
    }

    // MARK: --admin-token

    @Test func anAdminTokenGuardsTheControlAPI() throws {
        let app = try InProcessApp(controlToken: "s3cret")
        try app.get("/__admin/clock").expectError(
            status: 401, code: 1, codeDesc: "NCERRUnauthorized: Unauthorized", messageContains: "needs Authorization: Bearer <admin token>")
        try app.send("GET", "/__admin/requests", token: "wrong").expectError(
            status: 401, code: 1, codeDesc: "NCERRUnauthorized: Unauthorized", messageContains: "admin token is wrong")
        #expect(try app.send("GET", "/__admin/clock", token: "s3cret").status == 200)
        #expect(try app.get("/__admin/health").status == 200, "a probe needs no secret")
        #expect(app.app.respond(to: HTTPRequest(method: "GET", path: "/__admin/ui", query: [])).status == 200, "the page asks for it")
        #expect(try app.send("POST", "/__admin/reset", token: "s3cret").status == 200)
    }
}

/// A count bumped from delivery closures.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
