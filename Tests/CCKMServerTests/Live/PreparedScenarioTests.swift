import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import GRDB
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

/// `cckm-mock fixtures prepare` and a server started from what it wrote: the same jobs as the
/// fixtures loaded, their plans moved to the server's clock, a restart that keeps what is stored,
/// resets that copy the prepared jobs back, and files that are refused.
@Suite(.live(.seconds(300))) struct PreparedScenarioTests {
    /// Jobs in progress in two domains (several targets each, some half done) and ended ones, with
    /// absolute times: relative ones would count from two different "now"s.
    static let lines = (1...40).map { n -> String in
        let id = "30000000-0000-4000-8000-\(String(format: "%012d", n))"
        let domain = n % 2 == 0 ? "root" : "tenant-a"
        switch n % 4 {
        case 0, 1:
            return
                #"{"family":"oci","id":"\#(id)","domain":"\#(domain)","createdAt":"2020-11-05T06:00:00Z","overall_status":"in_progress","vaults":["a-\#(n)","b-\#(n)"]}"#
        case 2:
            return
                #"{"family":"google","id":"\#(id)","domain":"\#(domain)","createdAt":"2020-11-05T06:01:00Z","overall_status":"in_progress","key_rings":["r-\#(n)","s-\#(n)"],"#
                + #""detailed_status":{"r-\#(n)":"key ring synchronized successfully","s-\#(n)":"in_progress"}}"#
        default:
            return
                #"{"family":"oci","id":"\#(id)","domain":"\#(domain)","createdAt":"2020-11-05T06:02:00Z","overall_status":"completed","vaults":["d-\#(n)"]}"#
        }
    }

    /// The docs fixture and the lines above, as files.
    static func fixtures() throws -> [String] {
        let path = try Paths.temporaryDirectory() + "/running.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return [Paths.docsFixture, path]
    }

    /// The fixtures prepared; `jobs` and `inProgress`: what it should hold (46 and 33 for `fixtures()`).
    static func prepared(_ fixtures: [String], jobs: Int = 46, inProgress: Int = 33) throws -> String {
        let output = try Paths.temporaryDirectory() + "/scenario.cckm"
        let summary = try MockApplication.prepareScenario(paths: fixtures, output: output, seed: 3)
        #expect(summary.jobs == jobs && summary.inProgress == inProgress)
        return output
    }

    /// Every job as the control API lists it, in one order.
    static func everyJob(_ live: LiveServer) async throws -> [JSONValue] {
        let reply = try await live.get("/__admin/jobs?limit=1000&sort=createdAt")
        #expect(reply.status == 200)
        return reply.json["resources"]?.arrayValue ?? []
    }

    static func statuses(_ jobs: [JSONValue]) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: jobs.map {
                (($0["family"]?.stringValue ?? "") + "/" + ($0["job"]?["id"]?.stringValue ?? ""), $0["job"]?["overall_status"]?.stringValue ?? "")
            })
    }

    static func advance(_ live: LiveServer, _ seconds: Int) async throws {
        #expect(try await live.post("/__admin/clock/advance", #"{"seconds": \#(seconds)}"#).status == 200)
    }

    @Test func aPreparedScenarioServesWhatItsFixturesLoadAndItsJobsRunOnTheServersClock() async throws {
        let fixtures = try Self.fixtures()
        let image = try Self.prepared(fixtures)
        let loaded = try LiveServer(fixtures: fixtures)
        let served = try LiveServer(fixtures: [image])
        defer {
            loaded.stop()
            served.stop()
        }
        // Field for field, the documents of the jobs in progress included.
        let jobs = try await Self.everyJob(served)
        #expect(jobs.count == 46)
        #expect(jobs == (try await Self.everyJob(loaded)))
        // Prepared on the system clock (now), served on a manual clock standing in 2020: the plans
        // moved with it, so the jobs end within the targets' 2-6 s as those loaded now do.
        try await Self.advance(served, 1)
        #expect(Self.statuses(try await Self.everyJob(served)).values.filter { $0 == "in_progress" }.count == 33)
        try await Self.advance(served, 6)
        try await Self.advance(loaded, 7)
        let ended = Self.statuses(try await Self.everyJob(served))
        #expect(ended.values.filter { $0 == "in_progress" }.count == 3)  // the docs fixture's held jobs
        #expect(ended == Self.statuses(try await Self.everyJob(loaded)))
        // The prepared fixtures' domains are known: a domain's reset is not refused.
        #expect(try await served.post("/__admin/reset?domain=tenant-a").status == 200)
    }

    @Test func aResetCopiesThePreparedJobsBackAndADomainsResetOnlyItsOwn() async throws {
        let image = try Self.prepared(try Self.fixtures())
        let served = try LiveServer(fixtures: [image])
        let before = try await Self.everyJob(served)
        let started = try "dsm/" + #require(try await served.post("/api/v1/cckm/dsm/refresh", #"{"domains":["d"]}"#).json["id"]?.stringValue)
        try await Self.advance(served, 10)
        #expect(Self.statuses(try await Self.everyJob(served)).values.filter { $0 == "in_progress" }.count == 3)

        // A domain's reset: its prepared jobs run again; the root domain's stay as they are.
        #expect(try await served.post("/__admin/reset?domain=tenant-a").status == 200)
        let tenant = try await served.get("/__admin/jobs?domain=tenant-a&overall_status=in_progress&limit=0")
        #expect(tenant.total == 10)
        let root = try await served.get("/__admin/jobs?domain=root&overall_status=in_progress&limit=0")
        #expect(root.total == 3)
        #expect(Self.statuses(try await Self.everyJob(served))[started] == "completed")

        // A full reset: the prepared jobs as they were served at the start, the started job gone.
        #expect(try await served.post("/__admin/reset").json["jobs"]?.intValue == 46)
        #expect(try await Self.everyJob(served) == before)
        try await Self.advance(served, 7)
        #expect(Self.statuses(try await Self.everyJob(served)).values.filter { $0 == "in_progress" }.count == 3)
    }

    /// A fixture's cloud, prepared: the file brings the cloud and the keys already synced (a start
    /// does not store them again from the texts), a sync brings the rest, a full reset puts the
    /// file's back and a domain's reset its own.
    @Test func aPreparedScenarioBringsItsCloudAndAResetPutsItBack() async throws {
        let path = try Paths.temporaryDirectory() + "/cloud.json"
        try #"""
        {"domains": ["tenant-a"], "cloud": {
          "aws": [{"region": "us-east-1", "alias": "synced", "synced": ["root", "tenant-a"]}, {"region": "us-east-1", "alias": "waiting"}],
          "oci": [{"vault": "vault-1", "name": "o-key", "synced": true}]}}
        """#.write(toFile: path, atomically: true, encoding: .utf8)
        let image = try Self.prepared([path], jobs: 0, inProgress: 0)
        let served = try LiveServer(fixtures: [image])
        #expect(try await served.get("/api/v1/cckm/aws/keys").total == 1)
        #expect(try await served.get("/api/v1/cckm/oci/keys").total == 1)
        #expect(try await served.get("/__admin/cloud").json["keys"]?.arrayValue?.count == 3)
        #expect(try await served.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["kms"]}"#).status == 201)
        try await Self.advance(served, 60)
        #expect(try await served.get("/api/v1/cckm/aws/keys").total == 2)
        #expect(try await served.get("/__admin/keys?domain=tenant-a").json["total"]?.intValue == 1)
        #expect(try await served.post("/__admin/reset?domain=tenant-a").status == 200)
        #expect(try await served.get("/__admin/keys?domain=tenant-a").json["total"]?.intValue == 1)
        #expect(try await served.post("/__admin/reset").status == 200)
        #expect(try await served.get("/api/v1/cckm/aws/keys").total == 1)
        #expect(try await served.get("/__admin/cloud").json["keys"]?.arrayValue?.count == 3)
        #expect(try await served.get("/__admin/keys").json["total"]?.intValue == 3)
    }

    /// Into an empty store, a load of `JobStore.bulkPathJobs` or more drops the indexes and builds
    /// them again: the path a full reset of a large prepared scenario takes.
    @Test func aFullResetOfALargeScenarioTakesTheBulkPath() async throws {
        let path = try Paths.temporaryDirectory() + "/many.jsonl"
        let count = JobStore.bulkPathJobs + 500
        try SyntheticJobs(count: count, seed: 4).map { $0.fixtureLine + "\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        let output = try Paths.temporaryDirectory() + "/many.cckm"
        let summary = try MockApplication.prepareScenario(paths: [path], output: output, seed: 3)
        let served = try LiveServer(fixtures: [output])
        let page = "/__admin/jobs?limit=50&sort=-updatedAt&overall_status=in_progress"
        let before = try await served.get(page)
        #expect(before.total == summary.inProgress && summary.inProgress > 0)
        try await Self.advance(served, 10)
        #expect(try await served.get(page).total == 0)
        #expect(try await served.post("/__admin/reset").json["jobs"]?.intValue == count)
        #expect(try await served.get(page).json == before.json)
        #expect(try await served.get("/__admin/jobs?limit=0").total == count)
        // The reset emptied the store with its indexes and delete triggers dropped (issue 43 #6):
        // they are back, and the counts follow a start and a domain's row-by-row delete again.
        #expect(try await served.post("/__admin/jobs/settle").status == 200, "no job of the family runs: a start is let in")
        #expect(try await served.post("/api/v1/cckm/dsm/refresh", #"{"domains":["d"]}"#).status == 201)
        #expect(try await served.get("/__admin/jobs?limit=0").total == count + 1)
        let root = try #require(try await served.get("/__admin/jobs?domain=root&limit=0").total)
        #expect(try await served.post("/__admin/reset?domain=root&to=empty").status == 200)
        #expect(try await served.get("/__admin/jobs?limit=0").total == count + 1 - root)
        #expect(try await served.get("/api/v1/cckm/dsm/refresh?limit=0").total == 0)
    }

    @Test func aRestartKeepsWhatIsStoredAndAnotherScenarioIsRefused() async throws {
        let image = try Self.prepared(try Self.fixtures())
        let directory = try Paths.temporaryDirectory()
        var served = try LiveServer(fixtures: [image], directory: directory)
        let started = try "dsm/" + #require(try await served.post("/api/v1/cckm/dsm/refresh", #"{"domains":["d"]}"#).json["id"]?.stringValue)
        served.stop()
        #expect((try? FileManager.default.attributesOfItem(atPath: directory + "/jobs.sqlite")[.posixPermissions] as? Int) == 0o600)

        served = try LiveServer(fixtures: [image], directory: directory)
        #expect(Self.statuses(try await Self.everyJob(served))[started] == "in_progress")
        #expect(try await Self.everyJob(served).count == 47)
        served.stop()

        let other = try Paths.temporaryDirectory() + "/other.cckm"
        _ = try MockApplication.prepareScenario(paths: [Paths.docsFixture], output: other)
        let refusal = #expect(throws: StartupError.self) { try LiveServer(fixtures: [other], directory: directory) }
        #expect(refusal?.description.contains("already holds a job store that was not made from \(other)") == true)
    }

    @Test func aMemoryStoreTakesTheScenarioWhole() async throws {
        let image = try Self.prepared(try Self.fixtures())
        let server = try ServingMock.start(
            MockConfiguration(
                http: HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 2, requestTimeoutSeconds: 10, maxBodyBytes: 1 << 20),
                store: .memory, fixtures: [image],
                clock: .manual(start: ManualClock.defaultStart), seed: 1, auth: AuthSettings(enabled: false), tls: .off))
        defer { server.shutdown() }
        #expect(try server.store.count() == 46)
        #expect(try server.store.count(status: .inProgress) == 33)
    }

    @Test func filesThatAreNotThisBuildsPreparedScenariosAreRefused() throws {
        let directory = try Paths.temporaryDirectory()
        let garbage = directory + "/garbage.cckm"
        try "not a database".write(toFile: garbage, atomically: true, encoding: .utf8)
        let notPrepared = #expect(throws: StartupError.self) { try LiveServer(fixtures: [garbage]) }
        #expect(notPrepared?.description.hasPrefix("\(garbage) is not a prepared scenario") == true)

        // A trigger planted in the file would run in every store copied from it.
        let image = try Self.prepared([Paths.docsFixture], jobs: 6, inProgress: 3)
        try DatabaseQueue(path: image).write { db in
            try db.execute(sql: "CREATE TRIGGER planted AFTER INSERT ON job BEGIN DELETE FROM job; END")
        }
        let changed = #expect(throws: StartupError.self) { try LiveServer(fixtures: [image]) }
        #expect(changed?.description.contains("was prepared by another build of cckm-mock, or changed since (differs in: planted)") == true)

        let twice = #expect(throws: StartupError.self) { try LiveServer(fixtures: [image, image]) }
        #expect(twice?.description.contains("one prepared scenario per start") == true)
    }

    @Test func theCommandWritesNothingWhenItFailsAndRefusesToOverwrite() throws {
        let directory = try Paths.temporaryDirectory()
        let output = directory + "/s.cckm"
        let bad = directory + "/bad.jsonl"
        try #"{"family":"oci","id":"nope"}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try ServerProcess(["fixtures", "prepare", bad, "-o", output])
        let (status, errors) = failed.finish()
        #expect(status == 1 && errors.contains("\(bad):1:") && errors.hasSuffix("2 problem(s) found; nothing written\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["bad.jsonl"])

        let made = try ServerProcess(["fixtures", "prepare", Paths.docsFixture, "-o", output])
        #expect(made.firstLine() == "serve it: cckm-mock serve --fixtures \(output)")
        #expect(made.finish().status == 0)
        let again = try ServerProcess(["fixtures", "prepare", Paths.docsFixture, "-o", output])
        let (refused, why) = again.finish()
        #expect(refused == 2 && why.contains("--output \(output) exists; add --force to replace it"))
        #expect(try ServerProcess(["fixtures", "prepare", Paths.docsFixture, "-o", output, "--force"]).finish().status == 0)
        #expect(try PreparedImage.open(output).jobs == 6)
        let validated = try ServerProcess(["fixtures", "validate", output, Paths.docsFixture])
        #expect(validated.firstLine() == "ok: 2 file(s), 6 job(s) (and a prepared scenario of 6 jobs)")
        #expect(validated.finish().status == 0)
    }

    // MARK: issue 42: a prepared file is input, not trusted state

    /// #10: a refresh token planted in the file's `auth_session` logged in as admin; #11: a
    /// trigger named `prepared_evil` passed the schema check (every `prepared_%` object was
    /// skipped) and rewrote every started job.
    @Test(arguments: [
        (
            "INSERT INTO auth_session (refresh_token, refresh_token_id, sid, client_id, username, domain, created_at) VALUES ('planted', 'p', 's', 'c', 'admin', 'root', 1)",
            "holds rows in auth_session"
        ),
        ("INSERT INTO snapshot_job SELECT 'planted', * FROM job LIMIT 1", "holds rows in snapshot_job"),
        ("INSERT INTO server_start VALUES (7, 1)", "holds rows in server_start"),
        ("CREATE TRIGGER prepared_evil AFTER INSERT ON job BEGIN UPDATE job SET domain = 'root'; END", "differs in: prepared_evil"),
        ("CREATE VIEW prepared_scenario_view AS SELECT 1", "differs in: prepared_scenario_view"),
        ("INSERT INTO prepared_scenario SELECT * FROM prepared_scenario", "is not a prepared scenario (no description row"),
    ])
    func aFileWithWhatNoPreparationWritesIsRefused(planted: String, refusal: String) throws {
        let image = try Self.prepared([Paths.docsFixture], jobs: 6, inProgress: 3)
        try DatabaseQueue(path: image).write { db in try db.execute(sql: planted) }
        let refused = #expect(throws: StartupError.self) { try LiveServer(fixtures: [image]) }
        #expect(refused?.description.contains(refusal) == true, "\(refused?.description ?? "started")")
    }

    /// #12: a file with 5 % of its pages overwritten passed `validate` and `serve`; then every
    /// list and reset answered 500.
    @Test func aDamagedFileIsRefusedByServeAndValidate() throws {
        let image = try Self.prepared(try Self.fixtures())
        let handle = try #require(FileHandle(forUpdatingAtPath: image))
        let pages = Int(try handle.seekToEnd()) / 4096
        var generator = SplitMix64(seed: 9)
        for _ in 0..<max(2, pages / 20) {
            try handle.seek(toOffset: UInt64(4096 * Int(1 + generator.next() % UInt64(pages - 1))))
            handle.write(Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }))
        }
        try handle.close()
        let refused = #expect(throws: StartupError.self) { try LiveServer(fixtures: [image]) }
        #expect(
            refused?.description.contains("is damaged") == true || refused?.description.contains("not a prepared scenario") == true,
            "\(refused?.description ?? "started")")
        let validated = try ServerProcess(["fixtures", "validate", image])
        var said = ""
        while let line = validated.firstLine() { said += line }
        #expect(validated.finish().status == 1, "\(said)")
    }

    /// #13: a reset read the file again by its path without the start's checks: moved away, the
    /// reset answered 500 and ATTACH left an empty file there; replaced by another scenario, it
    /// loaded that one unchecked.
    @Test func aResetRefusesAFileThatIsNotTheOneTheServerStartedFrom() async throws {
        let image = try Self.prepared([Paths.docsFixture], jobs: 6, inProgress: 3)
        let live = try LiveServer(fixtures: [image])
        #expect(try await live.post("/__admin/reset").status == 200)
        try FileManager.default.moveItem(atPath: image, toPath: image + ".moved")
        try await live.post("/__admin/reset").expectError(
            status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "is no longer there")
        #expect(access(image, F_OK) != 0, "no file was made at \(image)")
        _ = try MockApplication.prepareScenario(paths: [Paths.docsFixture], output: image)
        try await live.post("/__admin/reset").expectError(
            status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "was replaced or changed")
        try FileManager.default.removeItem(atPath: image)
        try FileManager.default.moveItem(atPath: image + ".moved", toPath: image)
        #expect(try await live.post("/__admin/reset").status == 200, "the file it started from, back in place")
        #expect(try await live.get("/__admin/jobs?limit=0").json["total"]?.intValue == 6)
    }

    /// #14: `prepare --force` deleted the old file before loading: a fixture that fails (a typo,
    /// Ctrl-C) left nothing. Only the final rename replaces it.
    @Test func aForcedPreparationThatFailsLeavesTheOldFile() throws {
        let image = try Self.prepared([Paths.docsFixture], jobs: 6, inProgress: 3)
        let before = try Data(contentsOf: URL(fileURLWithPath: image))
        let bad = try Paths.temporaryDirectory() + "/bad.json"
        try #"{"jobs":[{"family":"oic"}]}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try ServerProcess(["fixtures", "prepare", bad, "-o", image, "--force"]).finish()
        #expect(failed.status == 1 && failed.errors.contains("nothing written"), "\(failed.errors)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: image)) == before, "the old file, unchanged")
    }

    /// #15: `prepare` cleaned `OUT.cckm.preparing` up by deleting `jobs.sqlite` (and its log,
    /// and `sessions.sqlite`) in whatever folder a symlink of that name pointed to.
    @Test func aPreparationDeletesNothingOutsideAFolderItMade() throws {
        let directory = try Paths.temporaryDirectory()
        let victim = directory + "/someone-elses"
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        for name in ["jobs.sqlite", "jobs.sqlite-wal", "sessions.sqlite"] {
            try "keep me".write(toFile: victim + "/" + name, atomically: true, encoding: .utf8)
        }
        let output = directory + "/s.cckm"
        try FileManager.default.createSymbolicLink(atPath: output + ".preparing", withDestinationPath: victim)
        #expect(try ServerProcess(["fixtures", "prepare", Paths.docsFixture, "-o", output]).finish().status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim).sorted() == ["jobs.sqlite", "jobs.sqlite-wal", "sessions.sqlite"])
        #expect(try PreparedImage.open(output).jobs == 6)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["s.cckm", "s.cckm.preparing", "someone-elses"])
    }
}
