import CCKMCore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// Stubs in WireMock's format beside the modelled API (issue 46): what matches answers, the rest
/// goes to the modelled API; bad mappings are 400s naming the member; resets return to the
/// start-up stubs.
@Suite(.inProcess()) struct StubTests {
    let app: InProcessApp

    init() throws {
        app = try InProcessApp()
    }

    func add(_ mapping: String) throws -> String {
        let added = try app.post("/__admin/mappings", mapping)
        #expect(added.status == 201, "\(added.json)")
        return try #require(added.json["id"]?.stringValue)
    }

    @Test func aStubAnswersAnEndpointTheMockDoesNotModelAndTheRestGoesOnAsBefore() throws {
        _ = try add(
            #"{"request": {"method": "GET", "urlPath": "/api/v1/vault/keys2", "queryParameters": {"name": {"equalTo": "payments"}}},"#
                + #""response": {"status": 200, "jsonBody": {"total": 1, "resources": [{"name": "payments"}]}}}"#)
        let stubbed = try app.get("/api/v1/vault/keys2?name=payments")
        #expect(stubbed.status == 200 && stubbed.json["resources"]?.arrayValue?.first?["name"] == .string("payments"), "\(stubbed.json)")
        #expect(stubbed.headers["Content-Type"] == "application/json")
        try app.get("/api/v1/vault/keys2?name=other").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "No resource")
        #expect(try app.get("/api/v1/cckm/aws/synchronization-jobs").status == 200, "the modelled API answers as before")
        let unmatched = try app.get("/__admin/requests/unmatched").json["requests"]?.arrayValue ?? []
        #expect(unmatched.count == 1 && unmatched.first?["url"] == .string("/api/v1/vault/keys2?name=other"), "\(unmatched)")
        let near = try app.get("/__admin/requests/unmatched/near-misses").json["nearMisses"]?.arrayValue ?? []
        #expect(near.count == 1 && near.first?["matchResult"]?["distance"] != .number("0"), "\(near)")
    }

    @Test func priorityThenTheNewestDecideAndAStubMayOverrideAModelledAnswer() throws {
        _ = try add(#"{"priority": 1, "request": {"method": "ANY", "urlPathPattern": "/api/v1/cckm/aws/.*"}, "response": {"status": 503}}"#)
        _ = try add(#"{"request": {"urlPath": "/api/v1/cckm/aws/synchronization-jobs"}, "response": {"status": 200, "jsonBody": {"v": "newer"}}}"#)
        #expect(try app.get("/api/v1/cckm/aws/synchronization-jobs").status == 503, "priority 1 wins over the default 5")
        let mappings = try app.get("/__admin/mappings").json
        #expect(mappings["meta"]?["total"] == .number("2"))
        for mapping in mappings["mappings"]?.arrayValue ?? [] {
            #expect(try app.delete("/__admin/mappings/" + (mapping["id"]?.stringValue ?? "")).status == 200)
        }
        _ = try add(#"{"request": {"urlPath": "/api/v1/cckm/oci/synchronization-jobs"}, "response": {"jsonBody": {"v": "older"}}}"#)
        _ = try add(#"{"request": {"urlPath": "/api/v1/cckm/oci/synchronization-jobs"}, "response": {"jsonBody": {"v": "newest"}}}"#)
        #expect(try app.get("/api/v1/cckm/oci/synchronization-jobs").json["v"] == .string("newest"))
    }

    @Test func bodyPatternsMatchJSONAndJSONPaths() throws {
        _ = try add(
            #"{"request": {"method": "POST", "url": "/api/v1/vault/keys2", "bodyPatterns": ["#
                + #"{"equalToJson": {"name": "k", "usageMask": 12}, "ignoreExtraElements": true}, {"matchesJsonPath": "$.meta.owner"},"#
                + #"{"matchesJsonPath": {"expression": "$.tags[0]", "equalTo": "prod"}}]},"#
                + #""response": {"status": 201, "jsonBody": {"id": "k-1"}}}"#)
        let matching = #"{"name": "k", "usageMask": 12, "algorithm": "AES", "meta": {"owner": "me"}, "tags": ["prod"]}"#
        #expect(try app.post("/api/v1/vault/keys2", matching).status == 201)
        #expect(try app.post("/api/v1/vault/keys2", #"{"name": "k", "usageMask": 12, "tags": ["prod"]}"#).status == 404, "no meta.owner")
        let counted = try app.post("/__admin/requests/count", #"{"method": "POST", "urlPath": "/api/v1/vault/keys2"}"#)
        #expect(counted.json["count"] == .number("2"), "\(counted.json)")
        let found = try app.post("/__admin/requests/find", #"{"urlPath": "/api/v1/vault/keys2", "bodyPatterns": [{"contains": "algorithm"}]}"#)
        #expect(found.json["requests"]?.arrayValue?.count == 1)
    }

    @Test(arguments: [
        (#"{"request": {"urlPattern": "(unclosed"}}"#, "request.urlPattern"),
        (#"{"request": {"urlPath": "/x", "bodyPatterns": [{"matchesJsonPath": "$..deep"}]}}"#, "request.bodyPatterns[0].matchesJsonPath"),
        (#"{"request": {"urlPath": "/x", "bodyPatterns": [{"equalToXml": "<a/>"}]}}"#, "request.bodyPatterns[0].equalToXml"),
        (#"{"request": {"urlPath": "/x"}, "response": {"transformers": ["response-template"]}}"#, "response.transformers"),
        (#"{"request": {"urlPath": "/x"}, "response": {"fault": "RANDOM_DATA_THEN_CLOSE"}}"#, "response.fault"),
        (#"{"request": {"urlPath": "/x"}, "postServeActions": []}"#, "postServeActions"),
        (#"{"request": {"urlPathPattern": ".*", "url": "/x"}}"#, "request.url"),
        (#"{"request": {"urlPath": "/__admin/reset"}}"#, "request.urlPath"),
    ])
    func aMappingTheMockDoesNotBuildIsA400NamingTheMember(mapping: String, member: String) throws {
        try app.post("/__admin/mappings", mapping).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: member)
        #expect(try app.get("/__admin/mappings").json["meta"]?["total"] == .number("0"))
    }

    @Test func aCatchAllStubNeverTakesTheControlAPI() throws {
        _ = try add(#"{"priority": 1, "request": {"method": "ANY", "urlPattern": ".*"}, "response": {"status": 418}}"#)
        #expect(try app.get("/__admin/health").status == 200)
        #expect(try app.get("/__admin/mappings").status == 200)
        #expect(try app.get("/anything").status == 418)
    }

    @Test func aScenarioStepsThroughItsStates() throws {
        _ = try add(
            #"{"scenarioName": "rotation", "requiredScenarioState": "Started", "newScenarioState": "rotated","#
                + #""request": {"method": "POST", "urlPath": "/api/v1/vault/keys2/k/versions"}, "response": {"status": 201}}"#)
        _ = try add(
            #"{"scenarioName": "rotation", "requiredScenarioState": "rotated","#
                + #""request": {"method": "GET", "urlPath": "/api/v1/vault/keys2/k"}, "response": {"jsonBody": {"version": 1}}}"#)
        #expect(try app.get("/api/v1/vault/keys2/k").status == 404, "not before the rotation")
        #expect(try app.post("/api/v1/vault/keys2/k/versions").status == 201)
        #expect(try app.get("/api/v1/vault/keys2/k").json["version"] == .number("1"))
        let scenario = try app.get("/__admin/scenarios").json["scenarios"]?.arrayValue?.first
        #expect(scenario?["state"] == .string("rotated") && scenario?["possibleStates"] == .array([.string("Started"), .string("rotated")]))
        #expect(try app.post("/__admin/scenarios/reset").status == 200)
        #expect(try app.get("/api/v1/vault/keys2/k").status == 404)
        #expect(try app.send("PUT", "/__admin/scenarios/rotation/state", body: #"{"state": "rotated"}"#).status == 200)
        #expect(try app.get("/api/v1/vault/keys2/k").status == 200)
    }

    @Test func aResetKeepsTheStartUpStubsAndDropsTheRest() throws {
        let fixture = try Fixture.parse(
            bytes: Array(
                #"{"stubs": [{"request": {"urlPath": "/api/v1/system/services/status"}, "response": {"jsonBody": {"status": "started"}}}]}"#.utf8),
            source: "test", now: ManualClock.defaultStart)
        let app = try InProcessApp(fixture: fixture)
        #expect(try app.get("/api/v1/system/services/status").json["status"] == .string("started"))
        #expect(try app.post("/__admin/mappings", #"{"request": {"urlPath": "/later"}, "response": {"status": 204}}"#).status == 201)
        #expect(try app.post("/__admin/reset").status == 200)
        #expect(try app.get("/later").status == 404)
        #expect(try app.get("/api/v1/system/services/status").status == 200)
        #expect(try app.post("/__admin/mappings/reset").status == 200)
        #expect(try app.get("/__admin/mappings").json["meta"]?["total"] == .number("1"))
    }

    @Test func underAPITheBearerCheckAppliesUnlessTheStubTurnsItOff() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true))
        _ = try app.post("/__admin/mappings", #"{"request": {"urlPath": "/api/v1/vault/keys2"}, "response": {"status": 200}}"#)
        _ = try app.post(
            "/__admin/mappings", #"{"request": {"urlPath": "/api/v1/open"}, "response": {"status": 200}, "metadata": {"cckm-mock": {"auth": false}}}"#
        )
        try app.get("/api/v1/vault/keys2").expectError(
            status: 401, code: 1, codeDesc: "NCERRUnauthorized: Unauthorized", messageContains: "Authorization")
        #expect(try app.get("/api/v1/open").status == 200)
        let token = try #require(try app.post("/api/v1/auth/tokens", #"{"username":"admin","password":"admin"}"#).json["jwt"]?.stringValue)
        #expect(try app.send("GET", "/api/v1/vault/keys2", token: token).status == 200)
        let journal = try app.get("/__admin/requests").json["requests"]?.arrayValue ?? []
        #expect(journal.contains { $0["stub"]?.stringValue != nil && $0["status"] == .number("401") })
    }

    @Test func importAddsWholeOrNotAtAll() throws {
        let bad = #"{"mappings": [{"request": {"urlPath": "/a"}}, {"request": {"urlPattern": "("}}]}"#
        try app.post("/__admin/mappings/import", bad).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "mappings[1]")
        #expect(try app.get("/__admin/mappings").json["meta"]?["total"] == .number("0"))
        let good =
            #"{"mappings": [{"id": "8c5db8b0-2db4-4ad7-a99f-38c9b00da3f7", "request": {"urlPath": "/a"}}], "importOptions": {"duplicatePolicy": "IGNORE"}}"#
        #expect(try app.post("/__admin/mappings/import", good).status == 200)
        #expect(try app.get("/__admin/mappings/8c5db8b0-2db4-4ad7-a99f-38c9b00da3f7").json["request"]?["urlPath"] == .string("/a"))
    }

    /// `fixtures validate` and a start read a fixture's stubs as the admin API does.
    @Test func aFixturesBadStubIsAProblemAtItsPath() throws {
        let text = #"{"stubs": {"mappings": [{"request": {"urlPath": "/ok"}}, {"request": {"urlPattern": "(x"}}]}}"#
        #expect {
            _ = try Fixture.parse(bytes: Array(text.utf8), source: "f.json", now: ManualClock.defaultStart)
        } throws: { error in
            "\(error)".contains("$.stubs[1]") && "\(error)".contains("request.urlPattern")
        }
    }

    /// A stub whose metadata names a domain answers that tenant's requests only.
    @Test func aStubForOneDomainAnswersOnlyThatTenant() throws {
        let app = try InProcessApp(auth: AuthSettings(enabled: true, accounts: Accounts(domains: ["team-a"])))
        #expect(
            try app.post(
                "/__admin/mappings",
                #"{"request": {"urlPath": "/api/v1/vault/keys2"}, "response": {"status": 200}, "metadata": {"cckm-mock": {"domain": "team-a"}}}"#
            ).status == 201)
        let root = try #require(try app.post("/api/v1/auth/tokens", #"{"username":"admin","password":"admin"}"#).json["jwt"]?.stringValue)
        let teamA = try #require(
            try app.post("/api/v1/auth/tokens", #"{"username":"admin","password":"admin","domain":"team-a"}"#).json["jwt"]?.stringValue)
        #expect(try app.send("GET", "/api/v1/vault/keys2", token: teamA).status == 200)
        #expect(try app.send("GET", "/api/v1/vault/keys2", token: root).status == 404)
        try app.post("/__admin/mappings", #"{"request": {"urlPath": "/x"}, "metadata": {"cckm-mock": {"tenant": "a"}}}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "tenant")
    }
}
