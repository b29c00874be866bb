import CCKMCore
import CCKMLab
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import HTTPServer
import TestSupport
import Testing

/// `cckm-mock conform` against a CM stand-in: a mock behind a proxy that alters its answers.
@Suite(.live(), .serialized) struct ConformTests {
    /// A run of the read-only tier (or `tier`) of an in-process mock against the stand-in.
    func run(
        _ standIn: ConformStandIn, tier: ConformProbe.Tier = .read, password: String = "admin", jobs: [ConformJobTarget] = []
    ) throws -> Conformance.Result {
        let mock = try StandInLab(fixtures: ["docs-examples"], runningJobs: !jobs.isEmpty)
        defer { mock.shutdown() }
        func side(_ label: String, _ url: String, _ password: String) -> ConformSide {
            ConformSide(
                label: label, client: HTTPClient(endpoint: HTTPClient.Endpoint(url: url)!, timeout: 30), username: "admin", password: password,
                domain: nil, requestsPerSecond: 0)
        }
        var conformance = Conformance(
            mock: side("mock", mock.url, "admin"), live: side("live", standIn.url, password),
            probes: ConformProbe.all(tier: tier, names: "cckm-mock-conform-test"))
        // The jobs are the system clock's: 50 ms each, looked at without a pause until they end.
        conformance.jobTargets = jobs
        conformance.pollInterval = .zero
        conformance.jobTimeout = .seconds(20)
        return try conformance.run()
    }

    @Test func anUnalteredStandInDiffersInNothingAndSeesOnlyReadsAndLogins() throws {
        let standIn = try ConformStandIn()
        let result = try run(standIn)
        #expect(result.differences.isEmpty, "\(result.differences)")
        #expect(result.cmVersion == StandInLab.cmVersion)
        #expect(result.probes.count == 14 * 9 + 3 + 1 + 2 + 7 + 5 * 3 + 3 + InventoryCollections.empty.count)
        #expect(result.probes.filter { $0.outcome == .same }.count >= 14 * 8)
        let writes = standIn.requests.filter { !$0.hasPrefix("GET ") && $0 != "POST /api/v1/auth/tokens" }
        #expect(writes.isEmpty, "read-only by default: \(writes)")
    }

    /// Another CM holds other jobs: none at all is no difference; a probe that needs an id is "could not check".
    @Test func anEmptyLabCMIsNoDifference() throws {
        let standIn = try ConformStandIn(fixtures: [])
        let result = try run(standIn)
        #expect(result.differences.isEmpty, "\(result.differences)")
        let byID = result.probes.first { $0.name == "GET /api/v1/cckm/aws/synchronization-jobs/{id}" }
        #expect(byID?.outcome == .couldNotCheck("no job of this family on the lab CM to ask for"))
    }

    /// A lab CM whose data shares nothing with the docs' examples the mock serves: other ids,
    /// targets, times, a tenant of its own, other counts, and other states (the first job of aws
    /// and sfdc-keys running where the mock's has ended).
    static let otherLab = Paths.repository + "/Tests/CCKMLabTests/Peers/lab-cm.json"
    static let sfdc = "/api/v1/cckm/sfdc/keys/synchronization-jobs"

    /// Issue 42 #0: data was reported as shape (a target name in `detailed_status` as a member, a
    /// `completed_at` compared between a running and an ended job): 49 differences against this lab.
    @Test func aLabWithOtherDataDiffersInNothing() throws {
        let result = try run(try ConformStandIn(fixtures: [Self.otherLab]))
        #expect(result.differences.isEmpty, "\(result.differences.map { "\($0.code.rawValue) \($0.probe) \($0.path)" })")
        #expect(result.probes.filter { $0.outcome == .same }.count >= 14 * 8)
    }

    /// ... and a real drift on that lab is still named, under the path that says where.
    @Test(
        arguments: [
            (
                "a completed job without completed_at", Alter.json(path: sfdc, Alter.member("completed_at", nil, inResources: true)),
                "only-in-mock", "$.resources[][overall_status=completed].completed_at"
            ),
            (
                "a target's message as a number",
                Alter.json(path: sfdc, Alter.member("detailed_status", .object([("lab-target", .number("1"))]), inResources: true)),
                "type", "$.resources[].detailed_status.{}"
            ),
        ] as [(String, ConformStandIn.Alteration, String, String)])
    func aDriftOnALabWithOtherDataIsNamed(what: String, alteration: @escaping ConformStandIn.Alteration, code: String, path: String) throws {
        let result = try run(try ConformStandIn(fixtures: [Self.otherLab], alter: alteration))
        #expect(result.differences.contains { $0.code.rawValue == code && $0.path == path && $0.probe == "GET \(Self.sfdc)" }, "\(what)")
        // The proxy alters every answer on the path, the error envelope of a request without a token included.
        let elsewhere = result.differences.filter { $0.path != path && $0.code != .envelope }.map { "\($0.code.rawValue) \($0.probe) \($0.path)" }
        #expect(elsewhere.isEmpty, "\(what) is all that differs: \(elsewhere)")
    }

    static let aws = "/api/v1/cckm/aws/synchronization-jobs"
    static let unknownID = aws + "/00000000-0000-4000-8000-00000000c0f0"

    /// Each alteration is named with its code, probe and path.
    @Test(
        arguments: [
            (
                "member removed", Alter.json(path: aws + "/*", Alter.member("overall_status", nil)), "only-in-mock", "GET \(aws)/{id}",
                "$.overall_status"
            ),
            (
                "member added", Alter.json(path: aws + "/*", Alter.member("region_count", .number("2"))), "only-in-live", "GET \(aws)/{id}",
                "$.region_count"
            ),
            ("retyped", Alter.json(path: aws, Alter.member("total", .string("3"))), "type", "GET \(aws)", "$.total"),
            ("null for absent", Alter.json(path: aws, Alter.member("next", .null)), "type", "GET \(aws)", "$.next"),
            ("status", Alter.json(path: unknownID, status: 400, { $0 }), "status", "GET \(aws)/00000000-0000-4000-8000-00000000c0f0", "status"),
            (
                "enum value", Alter.json(path: aws, Alter.member("overall_status", .string("running"), inResources: true)), "enum", "GET \(aws)",
                "$.resources[].overall_status"
            ),
            (
                "envelope", Alter.json(path: unknownID, Alter.member("codeDesc", .string("NCERRNotFound: Not found"))), "envelope",
                "GET \(unknownID)", "$.codeDesc"
            ),
            ("paging", Alter.json(path: aws, query: "limit=1", Alter.member("limit", .number("10"))), "paging", "GET \(aws)?limit=1", "$.limit"),
            (
                "format", Alter.json(path: aws, Alter.member("createdAt", .string("2024-01-01 10:00:00"), inResources: true)), "format", "GET \(aws)",
                "$.resources[].createdAt"
            ),
        ] as [(String, ConformStandIn.Alteration, String, String, String)])
    func eachAlterationIsNamed(
        what: String, alteration: @escaping ConformStandIn.Alteration, code: String, probe: String, path: String
    ) throws {
        let result = try run(try ConformStandIn(alter: alteration))
        let found = result.differences.filter { $0.code.rawValue == code && $0.path == path }
        #expect(found.contains { $0.probe == probe }, "\(what): \(result.differences.map { "\($0.code.rawValue) \($0.probe) \($0.path)" })")
        // The proxy alters every answer on the path, error envelopes (no token, an unknown id) included.
        let elsewhere = result.differences.filter { $0.path != path && $0.code != .envelope }
        #expect(elsewhere.isEmpty, "\(what) is all that differs: \(elsewhere)")
    }

    @Test func membersClientsReadAreMarked() throws {
        let result = try run(try ConformStandIn(alter: Alter.json(path: Self.aws + "/*", Alter.member("overall_status", nil))))
        let difference = try #require(result.differences.first { $0.path == "$.overall_status" })
        #expect(difference.readBy.contains("Thales' Ansible modules"))
    }

    @Test func aWrongPasswordChecksNothing() throws {
        #expect(throws: Conformance.NothingChecked.self) { try run(try ConformStandIn(), password: "wrong") }
    }

    @Test func theWriteTierIsAskedFor() throws {
        let standIn = try ConformStandIn()
        let result = try run(standIn, tier: .write)
        let writes = standIn.requests.filter { !$0.hasPrefix("GET ") && $0 != "POST /api/v1/auth/tokens" }
        #expect(writes.contains("DELETE \(Self.aws)") && writes.contains("POST \(Self.aws)"))
        #expect(writes.contains { $0.hasPrefix("DELETE /api/v1/scheduler/job-configs/") }, "the configuration it made is deleted: \(writes)")
        #expect(result.differences.isEmpty, "\(result.differences)")
        #expect(try standIn.backing.schedulerConfigurations() == 0, "nothing left behind")
    }

    /// The jobs tier: every step of a real job on each side, the chosen behaviours among them.
    @Test func theJobsTierComparesEveryStepOfARealJob() throws {
        let target = try ConformJobTarget.parse("aws.kms=kms-conform").get()
        let result = try run(try ConformStandIn(runningJobs: true), jobs: [target])
        let steps = result.probes.filter { $0.name.contains("(") && $0.group == "aws" }.map(\.name)
        #expect(
            steps == [
                "POST \(Self.aws) (start on kms-conform)", "POST \(Self.aws) (a second start while the first runs)",
                "GET \(Self.aws)/{id} (running)", "GET \(Self.aws)/{id} (ended)", "POST \(Self.aws)/{id}/cancel (ended job)",
            ])
        #expect(result.differences.isEmpty, "\(result.differences)")
        #expect(result.probes.filter { steps.contains($0.name) }.allSatisfy { $0.outcome == .same })
    }

    /// A lab CM that answers a cancel of an ended job otherwise than the mock chose is named.
    @Test func aChosenBehaviourThatDiffersIsNamed() throws {
        let target = try ConformJobTarget.parse("aws=kms-conform").get()
        let standIn = try ConformStandIn(runningJobs: true) { request, response in
            guard request.path.hasSuffix("/cancel") else { return response }
            return HTTPResponse.json(200, #"{"id":"x"}"#)
        }
        let result = try run(standIn, jobs: [target])
        #expect(result.differences.contains { $0.code == .status && $0.probe == "POST \(Self.aws)/{id}/cancel (ended job)" })
    }

    @Test func aBaselineRoundTrips() throws {
        let result = try run(try ConformStandIn(alter: Alter.json(path: Self.aws, Alter.member("total", .string("3")))))
        #expect(!result.differences.isEmpty)
        let fresh = ConformReport(result: result)
        #expect(fresh.fails(at: .error))
        let keys = try ConformReport.baselineKeys(Array(fresh.baselineFile.utf8))
        let known = ConformReport(result: result, baseline: keys.union(["type GET /gone $.x"]))
        #expect(!known.fails(at: .error) && known.newDifferences.isEmpty && known.knownDifferences.count == result.differences.count)
        #expect(known.resolved == ["type GET /gone $.x"])
        #expect(known.text.contains("no longer occurs (remove it from the baseline): type GET /gone $.x"))
    }

    @Test func theJSONAndJUnitReportsCarryEachDifference() throws {
        let result = try run(try ConformStandIn(alter: Alter.json(path: Self.aws, Alter.member("total", .string("3")))))
        let json = try JSONParser.parse(Array(ConformReport(result: result).json.utf8))
        #expect(json["cm_version"]?.stringValue == StandInLab.cmVersion)
        let first = try #require(json["differences"]?.arrayValue?.first)
        #expect(first["code"]?.stringValue == "type" && first["probe"]?.stringValue == "GET \(Self.aws)" && first["path"]?.stringValue == "$.total")
        #expect(first["mock"]?.stringValue == "number" && first["live"]?.stringValue == "string")
        #expect(json["probes"]?.arrayValue?.count == result.probes.count)
        let junit = ConformReport(result: result).junit
        #expect(junit.contains(#"<testcase classname="conform.aws" name="GET \#(Self.aws)">"#))
        #expect(junit.contains(#"<failure message="1 differences" type="type">"#))
        #expect(junit.contains("<skipped message="))
    }
}
