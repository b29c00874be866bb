import CCKMCore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// A sync brings keys beyond AWS (issue 45): Azure keys one record per version, Azure secrets and
/// certificates by their own families, Google keys by key ring, OCI keys and their versions by
/// vault, with the containers clients add first.
@Suite(.inProcess()) struct CloudInventoryTests {
    let app: InProcessApp
    /// The standard Azure target, in `northcentralus`.
    let vault = "keyvault-softkeys::12e533dd-b5c2-4e58-a264-0cd812dc5a34"

    init() throws {
        app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5))
    }

    @Test func azureKeysAreOneRecordPerVersionAndTheLatestIsVersionMinusOne() throws {
        let first = try app.post("/__admin/cloud/azure/keys", #"{"vault":"\#(vault)","name":"payments"}"#)
        #expect(first.status == 201, "\(first.json)")
        let second = try app.post("/__admin/cloud/azure/keys", #"{"vault":"\#(vault)","name":"payments","parameters":{"tags":{"team":"pay"}}}"#)
        let latestVersion = try #require(second.json["id"]?.stringValue)
        #expect(latestVersion != first.json["id"]?.stringValue, "the same name again is a new version, as Azure's create does")
        _ = try app.post("/__admin/cloud/azure/secrets", #"{"vault":"\#(vault)","name":"db-password"}"#)
        #expect(try app.get("/api/v1/cckm/azure/keys").total == 0, "nothing in CM before a sync")

        #expect(try app.post("/api/v1/cckm/azure/synchronization-jobs", #"{"key_vaults":["\#(vault)"]}"#).status == 201)
        try app.advance(5)
        let all = try app.get("/api/v1/cckm/azure/keys?key_name=payments&limit=-1")
        #expect(all.total == 2, "\(all.json)")
        let latest = try app.get("/api/v1/cckm/azure/keys/?key_vault=\(vault)&version=-1")
        #expect(latest.total == 1, "\(latest.json)")
        let record = try #require(latest.json["resources"]?.arrayValue?.first)
        #expect(record["version"] == .number("1") && record["version_count"] == .number("2") && record["key_name"] == .string("payments"))
        #expect(record["region"] == .string("northcentralus") && record["key_vault"] == .string(vault) && record["gone"] == .bool(false))
        #expect(
            record["syncedAt"] == .string(ManualClock.defaultStart.adding(seconds: 5).description) && record["cloud_name"] == .string("AzureCloud"))
        let kid = "https://keyvault-softkeys.vault.azure.net/keys/payments/\(latestVersion)"
        #expect(record["azure_param"]?["key"]?["kid"] == .string(kid) && record["azure_param"]?["tags"]?["team"] == .string("pay"))
        #expect(try app.get("/api/v1/cckm/azure/keys?version=0").total == 1)
        let id = try #require(record["id"]?.stringValue)
        #expect(try app.get("/api/v1/cckm/azure/keys/" + id).json["id"] == .string(id))
        #expect(try app.get("/api/v1/cckm/azure/secrets").total == 0, "a key sync brings no secret")

        #expect(try app.post("/api/v1/cckm/azure/secrets/synchronization-jobs", #"{"key_vaults":["\#(vault)"]}"#).status == 201)
        try app.advance(5)
        let secrets = try app.get("/api/v1/cckm/azure/secrets?name=db-password")
        #expect(
            secrets.total == 1 && secrets.json["resources"]?.arrayValue?.first?["uri"]?.stringValue?.hasPrefix("kylo:kylo:cckm:azure-secret:") == true
        )

        #expect(try app.delete("/__admin/cloud/azure/keys/" + latestVersion).status == 204, "a key goes with every version")
        #expect(try app.post("/api/v1/cckm/azure/synchronization-jobs", #"{"key_vaults":["\#(vault)"]}"#).status == 201)
        try app.advance(5)
        #expect(try app.get("/api/v1/cckm/azure/keys?gone=true").total == 2)
    }

    /// An added vault: a sync naming it by CM id brings its keys with its id, name and location.
    @Test func anAddedAzureVaultIsNamedByItsIdAndListedByName() throws {
        let added = try app.post(
            "/api/v1/cckm/azure/add-vaults",
            #"{"connection":"azure-conn","subscription_id":"sub-1","vaults":[{"name":"kv-orders","location":"westus2"}]}"#)
        #expect(added.status == 201, "\(added.json)")
        let vaultID = try #require(added.json["resources"]?.arrayValue?.first?["id"]?.stringValue)
        #expect(try app.get("/api/v1/cckm/azure/vaults/?skip=0&limit=1&name=kv-orders::sub-1").ids == [vaultID])
        #expect(try app.get("/api/v1/cckm/azure/vaults/" + vaultID).json["azure_name"] == .string("kv-orders"))
        _ = try app.post("/__admin/cloud/azure/keys", #"{"vault":"kv-orders::sub-1","name":"orders"}"#)
        #expect(try app.post("/api/v1/cckm/azure/synchronization-jobs", #"{"key_vaults":["\#(vaultID)"]}"#).status == 201)
        try app.advance(5)
        let key = try app.get("/api/v1/cckm/azure/keys?key_vault_id=\(vaultID)")
        #expect(key.total == 1, "\(key.json)")
        #expect(key.json["resources"]?.arrayValue?.first?["key_vault"] == .string("kv-orders::sub-1"))
        try app.post("/api/v1/cckm/azure/add-vaults", #"{"connection":"c","subscription_id":"sub-1","vaults":[{"name":"kv-orders"}]}"#).expectError(
            status: 409, code: 11, codeDesc: "NCERRConflict: Conflict", messageContains: "kv-orders::sub-1")
    }

    @Test func googleKeysArriveByKeyRing() throws {
        let ring = "projects/acme/locations/europe-west1/keyRings/payments"
        let added = try app.post("/api/v1/cckm/google/add-key-rings", #"{"connection":"gcp","project_id":"acme","key_rings":[{"name":"\#(ring)"}]}"#)
        #expect(added.status == 201, "\(added.json)")
        let ringID = try #require(added.json["resources"]?.arrayValue?.first?["id"]?.stringValue)
        _ = try app.post("/__admin/cloud/google/keys", #"{"key_ring":"\#(ring)","name":"card-key"}"#)
        #expect(try app.post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings":["\#(ringID)"]}"#).status == 201)
        try app.advance(5)
        let found = try app.get("/api/v1/cckm/google/keys?name=card-key&project_id=acme")
        #expect(found.total == 1, "\(found.json)")
        let key = try #require(found.json["resources"]?.arrayValue?.first)
        #expect(key["key_ring_name"] == .string(ring) && key["key_ring_id"] == .string(ringID) && key["location_id"] == .string("europe-west1"))
        #expect(key["gcp_params"]?["name"] == .string(ring + "/cryptoKeys/card-key") && key["key_id"] == .string("card-key"))
        #expect(try app.get("/api/v1/cckm/google/key-rings?name=\(ring)").ids == [ringID])
        try app.get("/api/v1/cckm/google/keys/0b5e1e4c-0000-4000-8000-000000000000").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
    }

    /// Thales' Terraform provider: `ciphertrust_oci_vault` (add-vaults, then the vault by id), a
    /// sync naming the vault's CM id, then `ciphertrust_oci_key_list` by `vault_name` with
    /// `limit=-1` and `ciphertrust_oci_key_version_list`.
    @Test func terraformsOCIVaultSyncKeyListAndVersions() throws {
        let ocid = "ocid1.vault.oc1.phx.aaaafakevault"
        let added = try app.post("/api/v1/cckm/oci/add-vaults", #"{"connection":"oci-conn","region":"us-phoenix-1","vault_id":["\#(ocid)"]}"#)
        #expect(added.status == 201, "\(added.json)")
        let vaultID = try #require(added.json["vaults"]?.arrayValue?.first?["id"]?.stringValue)
        #expect(try app.get("/api/v1/cckm/oci/vaults/" + vaultID).json["vault_id"] == .string(ocid))
        let cloudKey = try app.post("/__admin/cloud/oci/keys", #"{"vault":"\#(ocid)","name":"TestOciKey"}"#)
        let keyOCID = try #require(cloudKey.json["id"]?.stringValue)
        #expect(keyOCID.hasPrefix("ocid1.key.oc1."))
        #expect(try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["\#(vaultID)"]}"#).status == 201)
        try app.advance(5)
        let keys = try app.get("/api/v1/cckm/oci/keys/?vault_name=\(ocid)&limit=-1")
        #expect(keys.total == 1, "\(keys.json)")
        let key = try #require(keys.json["resources"]?.arrayValue?.first)
        let id = try #require(key["id"]?.stringValue)
        #expect(key["uri"] == .string("kylo:kylo:cckm:oci-key:testocikey-" + id) && key["cckm_vault_id"] == .string(vaultID))
        #expect(key["region"] == .string("us-phoenix-1") && key["oci_params"]?["key_id"] == .string(keyOCID))
        #expect(key["refreshed_at"] == .string(ManualClock.defaultStart.adding(seconds: 5).description) && key["created_at"] == key["createdAt"])
        let versions = try app.get("/api/v1/cckm/oci/keys/\(id)/versions?limit=-1")
        #expect(versions.total == 1, "\(versions.json)")
        #expect(versions.json["resources"]?.arrayValue?.first?["oci_key_version_params"]?["version_id"] == key["oci_params"]?["current_key_version"])
        try app.get("/api/v1/cckm/oci/keys/0b5e1e4c-0000-4000-8000-000000000000/versions").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
    }

    @Test func theControlAPISaysWhatACloudRecordNeeds() throws {
        try app.post("/__admin/cloud/azure/keys", #"{"name":"k"}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "vault")
        try app.post("/__admin/cloud/google/keys", #"{"key_ring":"ring-1"}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "name")
        try app.post("/__admin/cloud/oci/keys", #"{"vault":"vault-1","name":"k","parameters":{"key_id":"x"}}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "key_id")
        let added = try app.post("/__admin/cloud/oci/keys", #"{"vault":"vault-1","name":"k"}"#)
        let id = try #require(added.json["id"]?.stringValue)
        try app.send("PATCH", "/__admin/cloud/oci/keys/" + id, body: #"{"name":"other"}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "keeps its name")
        let changed = try app.send("PATCH", "/__admin/cloud/oci/keys/" + id, body: #"{"parameters":{"lifecycle_state":"DISABLED"}}"#)
        #expect(changed.status == 200 && changed.json["parameters"]?["lifecycle_state"] == .string("DISABLED"), "\(changed.json)")
        try app.delete("/__admin/cloud/google/keys/" + id).expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "GET /__admin/cloud")
        #expect(try app.get("/__admin/cloud").json["keys"]?.arrayValue?.first?["cloud"] == .string("oci"))
        try app.post("/api/v1/cckm/azure/add-vaults", #"{"connection":"c","subscription_id":"s","vaults":[{"name":"v","properties":[]}]}"#)
            .expectError(status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "properties")
        try app.post("/api/v1/cckm/oci/add-vaults", #"{"connection":"c","vault_id":["o"],"bucket_namespace":{}}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "bucket_namespace")
        try app.get("/api/v1/cckm/azure/keys?version=-2").expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "version")
    }

    /// A fixture's `cloud` beyond AWS: two versions of an Azure key already synced (in order), a
    /// Google key and an OCI key waiting for their syncs; a reset puts them back.
    @Test func aFixtureSeedsEveryCloud() throws {
        let fixture = try Fixture.parse(
            bytes: Array(
                #"""
                {"cloud": {
                  "azure": [{"vault": "\#(vault)", "name": "seeded", "synced": true},
                            {"vault": "\#(vault)", "name": "seeded", "id": "0123456789abcdef0123456789abcdef", "synced": true}],
                  "azure_certificates": [{"vault": "\#(vault)", "name": "tls"}],
                  "google": [{"key_ring": "ring-1", "name": "g-key", "parameters": {"purpose": "ASYMMETRIC_SIGN"}}],
                  "oci": [{"vault": "vault-1", "name": "o-key"}]}}
                """#.utf8), source: "test", now: ManualClock.defaultStart)
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5), fixture: fixture)
        let latest = try app.get("/api/v1/cckm/azure/keys?version=-1")
        #expect(latest.total == 1, "\(latest.json)")
        let record = latest.json["resources"]?.arrayValue?.first
        #expect(record?["version"] == .number("1") && record?["region"] == .string("northcentralus"))
        #expect(record?["azure_param"]?["key"]?["kid"]?.stringValue?.hasSuffix("/seeded/0123456789abcdef0123456789abcdef") == true)
        #expect(try app.get("/api/v1/cckm/google/keys").total == 0 && (try app.get("/__admin/cloud").json["keys"]?.arrayValue?.count) == 5)
        #expect(try app.post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings":["ring-1"]}"#).status == 201)
        #expect(try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["vault-1"]}"#).status == 201)
        try app.advance(5)
        #expect(try app.get("/api/v1/cckm/google/keys?purpose=ASYMMETRIC_SIGN&key_ring_name=ring-1").total == 1)
        #expect(try app.get("/api/v1/cckm/oci/keys?key_name=o-key&vault_name=vault-1").total == 1)
        #expect(try app.post("/__admin/reset").status == 200)
        #expect(try app.get("/api/v1/cckm/google/keys").total == 0 && (try app.get("/api/v1/cckm/azure/keys").total) == 2)
    }

    /// A list's total without filters comes from a count the store keeps: every way records come
    /// and go keeps it equal to the records listed.
    @Test func theUnfilteredTotalFollowsSyncsSnapshotsAndResets() throws {
        func agrees(_ expected: Int, _ why: String) throws {
            let page = try app.get("/api/v1/cckm/oci/keys?limit=-1")
            #expect(page.total == expected && page.ids.count == expected, "\(why): \(page.json)")
        }
        for name in ["a", "b", "c"] { _ = try app.post("/__admin/cloud/oci/keys", #"{"vault":"vault-1","name":"\#(name)"}"#) }
        #expect(try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["vault-1"]}"#).status == 201)
        try app.advance(5)
        try agrees(3, "after a sync")
        #expect(try app.post("/__admin/snapshots/three").status == 201)
        #expect(try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["vault-1"]}"#).status == 201)
        try app.advance(5)
        try agrees(3, "a re-sync updates, it does not add")
        #expect(try app.post("/__admin/reset").status == 200)
        try agrees(0, "after a reset")
        #expect(try app.post("/__admin/snapshots/three/restore").status == 200)
        try agrees(3, "after a snapshot's restore")
    }
}
