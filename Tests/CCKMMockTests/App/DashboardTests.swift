import TestSupport
import Testing

@testable import CCKMCore
@testable import CCKMEngine
@testable import CCKMMock
@testable import CCKMStore

/// What the dashboard page needs from the server.
@Suite(.inProcess()) struct DashboardTests {
    @Test func pageIsSelfContainedHTML() throws {
        let app = try InProcessApp()
        let response = app.app.respond(to: .init(method: "GET", path: "/__admin/ui"))
        let html = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 200 && response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(html.hasPrefix("<!doctype html>") && html.contains("</html>"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src="), "no external assets: works offline")
        for family in JobFamily.all { #expect(html.contains("\"/api/v1/cckm/\(family.basePath)\"")) }
        #expect(!html.contains("__FAMILIES__"))
    }

    @Test func domainsAndAdminTokens() throws {
        let app = try InProcessApp(auth: AuthSettings(accounts: Accounts(domains: ["team-a"])))
        #expect(try app.get("/__admin/domains").json["domains"]?.arrayValue == [.string("root"), .string("team-a")])
        let token = try #require(try app.post("/__admin/tokens", #"{"domain":"team-a"}"#).json["jwt"]?.stringValue)
        #expect(try app.send("POST", "/api/v1/cckm/dsm/refresh", body: #"{"domains":["d"]}"#, token: token).status == 201)
        #expect(try app.get("/__admin/jobs?domain=team-a").total == 1)
        #expect(try app.post("/__admin/tokens").status == 200, "root by default")
        for (body, field) in [(#"{"domain":"team-a","role":"x"}"#, "\"role\""), (#"{"domain":7}"#, "\"domain\"")] {
            try app.post("/__admin/tokens", body).expectError(
                status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: field)
        }
        try app.post("/__admin/tokens", #"{"domain":"nowhere"}"#).expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Unknown domain")
    }

    @Test func timeScaleChangesAtRuntime() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 10...10))
        #expect(try app.post("/__admin/clock", #"{"timeScale": 10}"#).json["timeScale"]?.intValue == 10)
        let id = try app.post("/api/v1/cckm/dsm/refresh", #"{"domains":["d"]}"#).json["id"]!.stringValue!
        try app.advance(1)
        #expect(try app.get("/api/v1/cckm/dsm/refresh/" + id).json["overall_status"]?.stringValue == "completed")
        for body in [#"{"timeScale": 0}"#, #"{"timeScale": "fast"}"#, "{}"] {
            try app.post("/__admin/clock", body).expectError(
                status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "\"timeScale\"")
        }
    }

    @Test func recentRequestsWithALimitAndNoFavicon() throws {
        let app = try InProcessApp()
        #expect(try app.send("GET", "/favicon.ico").status == 204)
        for _ in 0..<5 { _ = try app.get("/api/v1/cckm/dsm/refresh") }
        let recent = try app.get("/__admin/requests?limit=2")
        #expect(recent.json["total"]?.intValue == 5 && recent.json["requests"]?.arrayValue?.compactMap { $0["sequence"]?.intValue } == [4, 5])
    }
}
