import CCKMCore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// A sync brings keys (issue 45): Thales' Terraform provider 1.0.1's flow with its own request
/// shapes: an AWS connection, the account's details, a KMS on two of its regions, a sync on the
/// test's clock, then each of `data "ciphertrust_aws_key"`'s lookups
/// (`internal/provider/cckm/aws/data_source_aws_key.go`), which must list exactly one key.
@Suite(.inProcess()) struct InventoryTests {
    let app: InProcessApp

    init() throws {
        app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5))
    }

    /// Terraform's `ciphertrust_aws_connection`, `ciphertrust_aws_account_details` and
    /// `ciphertrust_aws_kms`, then a cloud key in each of the KMS's first two regions; the KMS's id
    /// and the two regions.
    func prepare() throws -> (kmsID: String, regions: [String]) {
        let connection = try app.post(
            "/api/v1/connectionmgmt/services/aws/connections",
            #"{"name":"tf-aws","products":["cckm"],"access_key_id":"AKIAEXAMPLE","secret_access_key":"s3cr3t","cloud_name":"aws","description":""}"#)
        #expect(connection.status == 201, "\(connection.json)")
        #expect(!String(decoding: connection.body, as: UTF8.self).contains("s3cr3t"), "a secret is never echoed")
        let account = try app.post("/api/v1/cckm/aws/accounts", #"{"connection":"tf-aws"}"#)
        #expect(account.status == 200, "\(account.json)")
        let listed = account.json["regions"]?.arrayValue ?? []
        let regions = listed.compactMap { $0.stringValue }
        #expect(regions.count >= 5, "Terraform's tests index the fifth region")
        let accountID = try #require(account.json["account_id"]?.stringValue)
        let kms = try app.post(
            "/api/v1/cckm/aws/kms",
            #"{"name":"tf-kms","account_id":"\#(accountID)","connection":"tf-aws","regions":["\#(regions[0])","\#(regions[1])"],"assume_role_arn":"","assume_role_external_id":""}"#
        )
        #expect(kms.status == 201, "\(kms.json)")
        let kmsID = try #require(kms.json["id"]?.stringValue)
        #expect(try app.get("/api/v1/cckm/aws/kms/" + kmsID).json["regions"] == .array([.string(regions[0]), .string(regions[1])]))
        #expect(try app.get("/api/v1/cckm/aws/kms/?name=tf-kms").total == 1, "listed by name, with the trailing slash")
        return (kmsID, [regions[0], regions[1]])
    }

    @Test func terraformsLookupsEachFindTheOneKeyASyncBrought() throws {
        let (kmsID, regions) = try prepare()
        let added = try app.post(
            "/__admin/cloud/aws/keys", #"{"region":"\#(regions[1])","alias":"tf-key","parameters":{"Description":"made in AWS"}}"#)
        #expect(added.status == 201, "\(added.json)")
        let keyID = try #require(added.json["KeyId"]?.stringValue)
        _ = try app.post("/__admin/cloud/aws/keys", #"{"region":"\#(regions[0])"}"#)
        #expect(try app.get("/api/v1/cckm/aws/keys").total == 0, "nothing in CM before a sync")

        let job = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["tf-kms"]}"#)
        #expect(job.status == 201, "\(job.json)")
        #expect(try app.get("/api/v1/cckm/aws/keys").total == 0, "still nothing while the job runs")
        try app.advance(5)
        #expect(try app.get("/api/v1/cckm/aws/keys?limit=-1").total == 2)
        let arriving = try app.get("/__admin/keys?limit=1").json
        #expect(arriving["total"] == .number("2") && arriving["keys"]?.arrayValue?.first?["domain"] == .string("root"), "\(arriving)")

        let arn = "arn:aws:kms:\(regions[1]):123456789012:key/\(keyID)"
        let byAlias = try app.get("/api/v1/cckm/aws/keys?alias=tf-key")
        #expect(byAlias.total == 1, "\(byAlias.json)")
        let cmID = try #require(byAlias.ids.first)
        for lookup in [
            "id=\(cmID)", "region=\(regions[1])&keyid=\(keyID)", "alias=tf-key&keyid=\(keyID)&region=\(regions[1])", "keyid=\(keyID)",
            "alias=alias/tf-key", "arn=\(arn)",
        ] {
            let found = try app.get("/api/v1/cckm/aws/keys?" + lookup)
            #expect(found.total == 1 && found.ids == [cmID], "\(lookup): \(found.json)")
        }
        let key = try app.get("/api/v1/cckm/aws/keys/" + cmID).json
        #expect(key["kms"] == .string("tf-kms") && key["kms_id"] == .string(kmsID) && key["region"] == .string(regions[1]))
        #expect(key["cloud_name"] == .string("aws") && key["key_material_origin"] == .string("native") && key["gone"] == .bool(false))
        #expect(key["synced_at"] == .string(ManualClock.defaultStart.adding(seconds: 5).description))
        let parameters = try #require(key["aws_param"])
        #expect(parameters["KeyID"] == .string(keyID) && parameters["Arn"] == .string(arn) && parameters["AWSAccountId"] == .string("123456789012"))
        #expect(parameters["Alias"] == .array([.string("alias/tf-key")]) && parameters["KeyState"] == .string("Enabled"))
        #expect(parameters["Enabled"] == .bool(true) && parameters["Description"] == .string("made in AWS"))
    }

    @Test func aKeyRemovedFromTheCloudIsGoneAfterTheNextSyncAndAChangedOneUpdated() throws {
        _ = try prepare()
        let kept = try #require(try app.post("/__admin/cloud/aws/keys", #"{"region":"us-east-1","alias":"kept"}"#).json["KeyId"]?.stringValue)
        let removed = try #require(try app.post("/__admin/cloud/aws/keys", #"{"region":"us-east-1","alias":"removed"}"#).json["KeyId"]?.stringValue)
        #expect(try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["tf-kms"]}"#).status == 201)
        try app.advance(5)
        let first = try app.get("/api/v1/cckm/aws/keys?keyid=\(kept)").json["resources"]?.arrayValue?.first
        #expect(try app.delete("/__admin/cloud/aws/keys/" + removed).status == 204)
        #expect(
            try app.send("PATCH", "/__admin/cloud/aws/keys/" + kept, body: #"{"parameters":{"KeyState":"Disabled","Enabled":false}}"#).status == 200)
        #expect(try app.get("/api/v1/cckm/aws/keys?gone=true").total == 0, "CM keeps what it saw until the next sync")
        #expect(try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["tf-kms"]}"#).status == 201)
        try app.advance(5)
        let gone = try app.get("/api/v1/cckm/aws/keys?gone=true")
        #expect(gone.total == 1 && gone.json["resources"]?.arrayValue?.first?["aws_param"]?["KeyID"] == .string(removed))
        let updated = try #require(try app.get("/api/v1/cckm/aws/keys?keyid=\(kept)").json["resources"]?.arrayValue?.first)
        #expect(updated["id"] == first?["id"], "the same CM id across re-syncs")
        #expect(updated["createdAt"] == first?["createdAt"] && updated["synced_at"] != first?["synced_at"])
        #expect(try app.get("/api/v1/cckm/aws/keys?keystate=Disabled&enabled=false").total == 1)
    }

    @Test func aFailedOrCancelledTargetBringsNothingAndAResetEmptiesWhatSyncsBrought() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5, failureRate: 1))
        _ = try app.post("/__admin/cloud/aws/keys", #"{"region":"us-east-1"}"#)
        #expect(try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["kms"]}"#).status == 201)
        try app.advance(5)
        #expect(try app.get("/api/v1/cckm/aws/keys").total == 0, "a failed target changes nothing")

        _ = try prepare()
        _ = try self.app.post("/__admin/cloud/aws/keys", #"{"region":"us-east-1"}"#)
        let job = try self.app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["tf-kms"]}"#)
        let id = try #require(job.json["id"]?.stringValue)
        #expect(try self.app.post("/api/v1/cckm/aws/synchronization-jobs/\(id)/cancel").status == 200)
        try self.app.advance(5)
        #expect(try self.app.get("/api/v1/cckm/aws/keys").total == 0, "a cancelled target changes nothing")
        #expect(try self.app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["tf-kms"]}"#).status == 201)
        try self.app.advance(5)
        #expect(try self.app.get("/api/v1/cckm/aws/keys").total == 1)
        #expect(try self.app.post("/__admin/reset").status == 200)
        #expect(try self.app.get("/api/v1/cckm/aws/keys").total == 0 && (try self.app.get("/__admin/cloud").json["keys"]?.arrayValue?.count) == 0)
        #expect(try self.app.get("/api/v1/cckm/aws/kms").total == 0)
    }

    @Test func anUnknownKeyIsCMs404AndBadFiltersAre400s() throws {
        try app.get("/api/v1/cckm/aws/keys/0b5e1e4c-0000-4000-8000-000000000000").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
        try app.get("/api/v1/cckm/aws/keys?gone=maybe").expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "gone")
        try app.post("/api/v1/cckm/aws/kms", #"{"name":"k","account_id":"123456789012","connection":"nope","regions":["us-east-1"]}"#).expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "connection")
        try app.post("/__admin/cloud/aws/keys", #"{"alias":"no-region"}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "region")
    }

    /// Thales' Ansible collection's read halves list these on a fresh manager and need `200`: the
    /// collections the mock keeps nothing in, and the modelled ones before any sync.
    @Test(
        arguments: InventoryCollections.empty + CloudKey.Cloud.allCases.map(\.path) + [
            "aws/kms", "azure/vaults", "google/key-rings", "oci/vaults",
        ])
    func ansiblesReadHalvesGetAnEmptyList(path: String) throws {
        let answer = try app.get("/api/v1/cckm/\(path)/?skip=0&limit=1&name=x")
        #expect(answer.status == 200 && answer.json["resources"] == .array([]) && answer.total == 0, "\(path): \(answer.json)")
    }

    @Test func domainsKeepTheirOwnInventory() throws {
        let app = try InProcessApp(
            settings: SimulatorSettings(targetDuration: 5...5), auth: AuthSettings(enabled: true, accounts: Accounts(domains: ["team-a"])))
        let root = try #require(try app.post("/api/v1/auth/tokens", #"{"username":"admin","password":"admin"}"#).json["jwt"]?.stringValue)
        let teamA = try #require(
            try app.post("/api/v1/auth/tokens", #"{"username":"admin","password":"admin","domain":"team-a"}"#).json["jwt"]?.stringValue)
        _ = try app.post("/__admin/cloud/aws/keys", #"{"region":"us-east-1"}"#)
        #expect(try app.send("POST", "/api/v1/cckm/aws/synchronization-jobs", body: #"{"kms":["kms"]}"#, token: teamA).status == 201)
        try app.advance(5)
        #expect(try app.send("GET", "/api/v1/cckm/aws/keys", token: teamA).total == 1)
        #expect(try app.send("GET", "/api/v1/cckm/aws/keys", token: root).total == 0)
    }

    /// A fixture's `cloud`: keys in the cloud, one of them already in two domains' inventories; a
    /// reset puts both back as the fixture has them.
    @Test func aFixtureSeedsTheCloudAndSyncedKeysAndAResetPutsThemBack() throws {
        let fixture = try Fixture.parse(
            bytes: Array(
                #"""
                {"domains": ["team-a"], "cloud": {"aws": [
                  {"KeyId": "0f6fa1d5-5c4e-4b8e-9a54-3a1f0a2c9d11", "region": "us-east-1", "alias": "seeded", "synced": ["root", "team-a"]},
                  {"region": "eu-west-1", "alias": "not-yet", "parameters": {"KeyState": "PendingDeletion"}}]}}
                """#.utf8), source: "test", now: ManualClock.defaultStart)
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5), fixture: fixture)
        let seeded = try app.get("/api/v1/cckm/aws/keys")
        #expect(
            seeded.total == 1
                && seeded.json["resources"]?.arrayValue?.first?["aws_param"]?["KeyID"] == .string("0f6fa1d5-5c4e-4b8e-9a54-3a1f0a2c9d11"))
        #expect(seeded.json["resources"]?.arrayValue?.first?["kms"] == .string("kms"), "the standard KMS holds us-east-1 of its account")
        #expect(try app.get("/__admin/cloud").json["keys"]?.arrayValue?.count == 2)
        #expect(try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["kms"]}"#).status == 201)
        try app.advance(5)
        #expect(try app.get("/api/v1/cckm/aws/keys?keystate=PendingDeletion").total == 1, "the sync brought the other one")
        #expect(try app.post("/__admin/reset").status == 200)
        #expect(try app.get("/api/v1/cckm/aws/keys").total == 1 && (try app.get("/__admin/cloud").json["keys"]?.arrayValue?.count) == 2)
    }

    /// Scheduled runs and run-now sync as a started job does.
    @Test func aScheduledRunBringsKeysToo() throws {
        _ = try app.post("/__admin/cloud/aws/keys", #"{"region":"ap-south-1"}"#)
        let config = try app.post(
            "/api/v1/scheduler/job-configs",
            #"{"name":"sync-aws","operation":"cckm_synchronization","run_at":"0 9 * * *","cckm_synchronization_params":{"cloud_name":"aws","kms":["kms"]}}"#
        )
        let id = try #require(config.json["id"]?.stringValue)
        #expect(try app.post("/api/v1/scheduler/job-configs/\(id)/run-now").status == 201)
        try app.advance(5)
        #expect(try app.get("/api/v1/cckm/aws/keys?region=ap-south-1").total == 1)
    }
}
