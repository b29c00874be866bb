import CCKMCore
import CCKMLab
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import HTTPServer
import TestSupport
import Testing

/// `cckm-mock record` against a live mock, and the fixture it writes loaded into another (issue 17).
@Suite(.live()) struct RecordTests {
    static let auth = StandInLab.login(domains: ["team-a", "team-b"])

    /// A source with jobs in three domains, running and finished, started by clients and seeded.
    func source() async throws -> LiveServer {
        let live = try LiveServer(
            fixtures: [Paths.docsFixture, Paths.repository + "/fixtures/tenants.json"], auth: Self.auth, tls: .generated(extraNames: []))
        let endpoint = try #require(HTTPClient.Endpoint(url: live.baseURL))
        let client = HTTPClient(endpoint: endpoint, timeout: 30)
        for domain in ["root", "team-a"] {
            let token = try #require(
                try JSONParser.parse(try client.send("POST", "/__admin/tokens", body: Array(#"{"domain":"\#(domain)"}"#.utf8)).body)["jwt"]?
                    .stringValue)
            for (path, body) in [
                ("google/synchronization-jobs", #"{"key_rings":["ring-1","ring-2"]}"#), ("oci/synchronization-jobs", #"{"vaults":["v"]}"#),
            ] {
                let started = try client.send(
                    "POST", "/api/v1/cckm/" + path, headers: [("Authorization", "Bearer " + token)], body: Array(body.utf8))
                #expect(started.status == 201)
            }
        }
        _ = try client.send("POST", "/__admin/clock/advance", body: Array(#"{"seconds": 3}"#.utf8))
        return live
    }

    /// Every family's whole list in every domain, as bytes.
    func lists(_ live: LiveServer) throws -> [String: [UInt8]] {
        let client = HTTPClient(endpoint: try #require(HTTPClient.Endpoint(url: live.baseURL)), timeout: 30)
        var lists: [String: [UInt8]] = [:]
        for domain in ["root", "team-a", "team-b"] {
            let token = try #require(
                try JSONParser.parse(try client.send("POST", "/__admin/tokens", body: Array(#"{"domain":"\#(domain)"}"#.utf8)).body)["jwt"]?
                    .stringValue)
            for family in JobFamily.all {
                let answer = try client.send("GET", "/api/v1/cckm/\(family.basePath)?limit=-1", headers: [("Authorization", "Bearer " + token)])
                #expect(answer.status == 200)
                lists["\(domain) \(family.name)"] = answer.body
            }
        }
        return lists
    }

    @Test(arguments: ["recorded.json", "recorded.jsonl"])
    func aRecordingLoadsIntoAFreshMockWithByteIdenticalLists(file: String) async throws {
        let live = try await source()
        let output = try Paths.temporaryDirectory() + "/" + file
        let record = try ServerProcess([
            "record", "--from", live.baseURL, "--user", "admin", "--password", "admin", "--domain", "root", "--domain", "team-a",
            "--domain", "team-b", "--ca", live.directory + "/tls-cert.pem", "-o", output,
        ])
        let (status, errors) = record.finish()
        #expect(status == 0, "\(errors)")
        #expect(
            errors.contains("record: google in root: 1 job") && errors.contains("record: oci in team-a: 2 jobs")
                && errors.contains("written to \(output)"))
        let copy = try LiveServer(fixtures: [output], auth: Self.auth, tls: .generated(extraNames: []))
        let original = try lists(live)
        let recorded = try lists(copy)
        #expect(original.keys.sorted() == recorded.keys.sorted())
        for key in original.keys.sorted() {
            #expect(original[key] == recorded[key], "\(key) differs")
        }
        #expect(original["team-a oci"].map { String(decoding: $0, as: UTF8.self).contains("\"total\":2") } == true)
    }

    /// The key inventory comes along (issue 45): each domain's AWS keys, as a fixture's cloud keys
    /// already synced into those domains, which a fresh mock then lists as the source did.
    @Test func theKeyInventoryIsRecordedAsSyncedCloudKeys() throws {
        let folder = try Paths.temporaryDirectory()
        try #"""
        {"domains": ["team-a"], "cloud": {"aws": [
          {"KeyId": "6a1f1f9e-2b57-4c1e-8d2f-0e6b5a4c3d21", "region": "eu-west-1", "alias": "orders", "synced": ["root", "team-a"],
           "parameters": {"Description": "made in AWS", "Tags": [{"TagKey": "team", "TagValue": "payments"}]}},
          {"region": "us-east-1", "alias": "not-synced"}]}}
        """#.write(toFile: folder + "/source.json", atomically: true, encoding: .utf8)
        let live = try LiveServer(fixtures: [folder + "/source.json"], auth: Self.auth, tls: .generated(extraNames: []))
        let output = folder + "/recorded.json"
        let (status, errors) = try ServerProcess([
            "record", "--from", live.baseURL, "--user", "admin", "--password", "admin", "--domain", "root", "--domain", "team-a",
            "--ca", live.directory + "/tls-cert.pem", "-o", output,
        ]).finish()
        #expect(status == 0 && errors.contains("AWS keys in team-a: 1 key") && errors.contains("1 AWS keys"), "\(errors)")
        let copy = try LiveServer(fixtures: [output], auth: Self.auth, tls: .generated(extraNames: []))
        for server in [live, copy] {
            let client = HTTPClient(endpoint: try #require(HTTPClient.Endpoint(url: server.baseURL)), timeout: 30)
            let token = try #require(
                try JSONParser.parse(try client.send("POST", "/__admin/tokens", body: Array(#"{"domain":"team-a"}"#.utf8)).body)["jwt"]?.stringValue)
            let keys = try JSONParser.parse(client.send("GET", "/api/v1/cckm/aws/keys", headers: [("Authorization", "Bearer " + token)]).body)
            let key = try #require(keys["resources"]?.arrayValue?.first)
            #expect(keys["total"] == .number("1") && key["aws_param"]?["KeyID"] == .string("6a1f1f9e-2b57-4c1e-8d2f-0e6b5a4c3d21"))
            #expect(key["aws_param"]?["Alias"] == .array([.string("alias/orders")]) && key["region"] == .string("eu-west-1"))
            #expect(key["aws_param"]?["Tags"] == .array([.object([("TagKey", .string("team")), ("TagValue", .string("payments"))])]))
        }
    }

    /// `record --stubs`: what the lab answers for the paths, as WireMock mappings in the fixture,
    /// which a fresh mock then serves as stubs (the journal names the stub that answered).
    @Test func pathsAreRecordedAsStubsTheFixtureServes() throws {
        let live = try LiveServer(fixtures: [Paths.docsFixture], auth: Self.auth, tls: .generated(extraNames: []))
        let output = try Paths.temporaryDirectory() + "/recorded.json"
        let (status, errors) = try ServerProcess([
            "record", "--from", live.baseURL, "--user", "admin", "--password", "admin", "--ca", live.directory + "/tls-cert.pem",
            "--family", "google", "--stubs", "/api/v1/system/info", "/api/v1/cckm/aws/kms?limit=1", "-o", output,
        ]).finish()
        #expect(status == 0 && errors.contains("2 stubs"), "\(errors)")
        let copy = try LiveServer(fixtures: [output], auth: Self.auth, tls: .generated(extraNames: []))
        var answers: [JSONValue] = []
        for server in [live, copy] {
            let client = HTTPClient(endpoint: try #require(HTTPClient.Endpoint(url: server.baseURL)), timeout: 30)
            let token = try #require(
                try JSONParser.parse(try client.send("POST", "/__admin/tokens", body: Array(#"{"domain":"root"}"#.utf8)).body)["jwt"]?.stringValue)
            answers.append(try JSONParser.parse(client.send("GET", "/api/v1/system/info", headers: [("Authorization", "Bearer " + token)]).body))
        }
        #expect(answers[0] == answers[1] && answers[0]["version"] != nil, "\(answers)")
        let journal = try JSONParser.parse(
            HTTPClient(endpoint: try #require(HTTPClient.Endpoint(url: copy.baseURL)), timeout: 30).send("GET", "/__admin/requests").body)
        #expect(journal["requests"]?.arrayValue?.last?["stub"]?.stringValue != nil, "the copy answered from its stub")
    }

    @Test func aServerThatIsNotCMLikeEndsTheRecordingWithNoFileLeft() throws {
        let live = try LiveServer(fixtures: [])
        let output = try Paths.temporaryDirectory() + "/never.json"
        // A server whose job lists all answer 503: not what a CM gives.
        let endpoint = try #require(HTTPClient.Endpoint(url: live.baseURL))
        _ = try HTTPClient(endpoint: endpoint, timeout: 30).send(
            "POST", "/__admin/faults", body: Array(#"{"path":"/api/v1/cckm/*","status":503}"#.utf8))
        let (status, errors) = try ServerProcess(["record", "--from", live.baseURL, "--token", "t", "-o", output]).finish()
        #expect(status == 1 && errors.contains("unexpected answer to /api/v1/cckm/aws/synchronization-jobs?sort=createdAt&skip=0&limit=100: 503"))
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try FileManager.default.contentsOfDirectory(atPath: (output as NSString).deletingLastPathComponent).isEmpty, "no partial file")
    }

    @Test func missingFamiliesAreSkippedWithANote() throws {
        let live = try LiveServer(fixtures: [Paths.docsFixture])
        let endpoint = try #require(HTTPClient.Endpoint(url: live.baseURL))
        _ = try HTTPClient(endpoint: endpoint, timeout: 30).send(
            "POST", "/__admin/faults", body: Array(#"{"path":"/api/v1/cckm/hsm/*","status":404,"code":16,"message":"Not found"}"#.utf8))
        let record = try ServerProcess(["record", "--from", live.baseURL, "--token", "anything"])
        var lines: [String] = []
        while let line = record.firstLine() { lines.append(line) }
        let (status, errors) = record.finish()
        #expect(status == 0 && errors.contains("luna-refresh in root: skipped, the server has no hsm/luna/refresh (404)"))
        let fixture = try JSONParser.parse(Array(lines.joined(separator: "\n").utf8))
        #expect(fixture["jobs"]?.arrayValue?.count == 6)
        #expect(try Fixture.parse(bytes: Array(lines.joined(separator: "\n").utf8), source: "out", now: ManualClock.defaultStart).jobs.count == 6)
    }

    @Test func anonymizingReplacesAccountsAndNamesConsistently() {
        var anonymizer = Anonymizer()
        let aws = try! JSONParser.parse(
            Array(
                #"{"family":"aws","id":"x","detailed_status":{"123456789012/eu-west-1":"ok","123456789012/us-east-1":"ok"},"regions":["eu-west-1"],"kms":["prod-kms"]}"#
                    .utf8))
        let sfdc = try! JSONParser.parse(
            Array(#"{"family":"sfdc-keys","detailed_status":{"00DB000000051cJNBR":"ok"},"kms":["00DB000000051cJNBR"]}"#.utf8))
        let again = try! JSONParser.parse(Array(#"{"family":"aws","detailed_status":{"123456789012/eu-west-1":"ok"},"kms":["prod-kms"]}"#.utf8))
        #expect(
            anonymizer.anonymize(aws).jsonText
                == #"{"family":"aws","id":"x","detailed_status":{"100000000001/eu-west-1":"ok","100000000001/us-east-1":"ok"},"regions":["eu-west-1"],"kms":["kms-1"]}"#
        )
        #expect(anonymizer.anonymize(sfdc).jsonText == #"{"family":"sfdc-keys","detailed_status":{"org-1":"ok"},"kms":["org-1"]}"#)
        #expect(anonymizer.anonymize(again).jsonText.contains(#""kms":["kms-1"]"#), "the same name, the same stand-in")
    }

    @Test func anonymizingReachesGoogleProjectsAndRingsInKeysAndMessages() throws {
        var anonymizer = Anonymizer()
        let ring = "projects/acme-payments-prod/locations/europe-west1/keyRings/cards-ring"
        let job = try JSONParser.parse(
            Array(
                """
                {"family":"google","detailed_status":{"\(ring)":"googleapi: Error 403: Permission 'cloudkms.cryptoKeys.list' denied on \
                resource '\(ring)', forbidden","projects/acme-payments-prod/locations/us/keyRings/other":"account 123456789012 denied"},\
                "key_rings":["\(ring)"]}
                """.utf8))
        let text = anonymizer.anonymize(job).jsonText
        for secret in ["acme-payments-prod", "cards-ring", "other", "123456789012"] { #expect(!text.contains(secret), "\(secret) in \(text)") }
        let stand = "projects/project-1/locations/europe-west1/keyRings/ring-1"
        #expect(
            text
                == #"{"family":"google","detailed_status":{"\#(stand)":"googleapi: Error 403: Permission 'cloudkms.cryptoKeys.list' denied on resource '\#(stand)', forbidden","projects/project-1/locations/us/keyRings/ring-2":"account 100000000001 denied"},"key_rings":["\#(stand)"]}"#
        )
    }
}
