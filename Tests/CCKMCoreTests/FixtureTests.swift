import TestSupport
import Testing

@testable import CCKMCore

@Suite(.inProcess()) struct FixtureTests {
    func problems(_ text: String) -> [String] {
        do {
            _ = try Fixture.parse(bytes: Array(text.utf8), source: "f.json", now: ManualClock.defaultStart)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func docsExamplesLoad() throws {
        let fixture = try Fixture.load(paths: [CorePaths.docsFixture], now: ManualClock.defaultStart)
        #expect(fixture.jobs.count == 6)
        #expect(Set(fixture.jobs.map(\.family.name)) == ["aws", "azure", "external-cm", "sap", "sfdc-keys"])
    }

    @Test func defaultsFillTheConstantFields() throws {
        let fixture = try Fixture.parse(
            bytes: Array(
                #"{"jobs":[{"family":"google","id":"6F1E3B3A-0C55-4A39-9D44-2B3A1D1E0F00","createdAt":"2024-01-02T03:04:05Z","key_rings":["r1"]}]}"#
                    .utf8),
            source: "f.json", now: ManualClock.defaultStart)
        let job = try #require(fixture.jobs.first)
        #expect(job.id == "6f1e3b3a-0c55-4a39-9d44-2b3a1d1e0f00")
        #expect(job.uri == "kylo:kylo:cckm:synchronize:6f1e3b3a-0c55-4a39-9d44-2b3a1d1e0f00")
        #expect(job.cloud == "gcp" && job.status == .inProgress && job.updatedAt == job.createdAt && job.completedAt == nil)
        #expect(job.domain == "root" && job.abort == false && job.targets == [["r1"]])
        #expect(job.detailedStatus == nil)
    }

    @Test func syntaxErrorsGiveFileLineAndColumn() {
        #expect(problems("{\"jobs\": [\n  {\"family\": \"aws\",}\n]}") == ["f.json:2:20: a trailing comma before \"}\" (JSON allows none)"])
        let gcp = problems("{\"jobs\":[{\"family\":\"gcp\",\"id\":\"x\"}]}")
        #expect(gcp.contains { $0.contains("unknown family \"gcp\"; did you mean \"google\"?") }, "\(gcp)")
    }

    @Test func everyProblemIsReportedWithItsPath() {
        let found = problems(
            """
            {"jobs": [
              {"family": "nope", "id": "x"},
              {"family": "aws", "id": "not-a-uuid", "createdAt": "yesterday", "kms": "k", "overall_status": "done",
               "abort": 1, "colour": "red", "detailed_status": {"t": 5}},
              {"family": "sap", "createdAt": "2020-01-01T00:00:00Z", "groups": [1]},
              7
            ], "extra": true}
            """)
        let sections = "domains, users, inventory, simulator, scripts, schedules, cloud, stubs, jobs"
        #expect(found.contains("f.json:7:13: $.extra: unknown field (known: \(sections))"))
        #expect(found.contains { $0.hasPrefix("f.json:2:14: $.jobs[0].family: unknown family \"nope\"") })
        #expect(found.contains("f.json:3:27: $.jobs[1].id: \"not-a-uuid\" is not a UUID"))
        #expect(found.contains { $0.hasPrefix("f.json:3:54: $.jobs[1].createdAt: \"yesterday\" is not an RFC 3339 time") })
        #expect(found.contains("f.json:3:74: $.jobs[1].kms: expected an array of strings, got a string"))
        #expect(found.contains("f.json:3:97: $.jobs[1].overall_status: \"done\" is not one of in_progress, completed, failed"))
        #expect(found.contains("f.json:4:13: $.jobs[1].abort: expected a boolean, got a number"))
        #expect(found.contains { $0.hasPrefix("f.json:4:26: $.jobs[1].colour: unknown field for family aws") })
        #expect(found.contains("f.json:4:58: $.jobs[1].detailed_status.t: expected a string message, got a number"))
        #expect(found.contains("f.json:5:3: $.jobs[2]: missing required field \"id\""))
        #expect(found.contains("f.json:5:69: $.jobs[2].groups[0]: expected a string, got a number"))
        #expect(found.contains("f.json:6:3: $.jobs[3]: expected a job object, got a number"))
        #expect(found.count == 12)
    }

    @Test func missingFileIsAProblem() {
        #expect(throws: FixtureError(problems: ["/no/such/file.json: cannot read the file"])) {
            try Fixture.load(paths: ["/no/such/file.json"], now: ManualClock.defaultStart)
        }
    }
}
