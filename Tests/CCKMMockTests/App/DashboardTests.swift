import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// What the dashboard page needs from the server.
@Suite(.inProcess()) struct DashboardTests {
    @Test func pageIsSelfContainedHTML() throws {
        let app = try InProcessApp()
        let response = app.app.respond(to: .init(method: "GET", path: "/__admin/ui"))
        let html = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 200 && response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(response.headers["X-Frame-Options"] == "DENY" && response.headers["Content-Security-Policy"] == "frame-ancestors 'none'")
        #expect(html.hasPrefix("<!doctype html>") && html.contains("</html>"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src="), "no external assets: works offline")
        for family in JobFamily.all { #expect(html.contains("\"/api/v1/cckm/\(family.basePath)\"")) }
        #expect(!html.contains("__FAMILIES__") && !html.contains("__FIRST_STATE__"))
    }

    /// Issue 43 #7: the page carries the board's first state, so its first paint is the board;
    /// each part is what its control-API call answers.
    @Test func thePageCarriesTheBoardsFirstStateAsTheControlAPIAnswersIt() throws {
        let app = try InProcessApp(
            settings: SimulatorSettings(targetDuration: 5...5), auth: AuthSettings(accounts: Accounts(domains: ["team-a"])))
        let token = try #require(try app.post("/__admin/tokens", #"{"domain":"team-a"}"#).json["jwt"]?.stringValue)
        let id = try #require(try app.send("POST", "/api/v1/cckm/dsm/refresh", body: #"{"domains":["d"]}"#, token: token).json["id"]?.stringValue)
        try app.advance(10)
        let html = String(decoding: app.app.respond(to: .init(method: "GET", path: "/__admin/ui")).body, as: UTF8.self)
        let start = try #require(html.range(of: "const FIRST_STATE = ")).upperBound
        let end = try #require(html[start...].range(of: ";\n")).lowerBound
        let state = try JSONParser.parse(String(html[start..<end]))
        let dsm = try #require(JobFamily.all.firstIndex { $0.name == "dsm" })
        #expect(state["pages"]?.arrayValue?.count == JobFamily.all.count)
        let dsmPage = try app.get("/__admin/jobs?family=dsm&limit=4").json
        #expect(state["pages"]?.arrayValue?[dsm] == dsmPage, "every tenant's")
        #expect(state["pages"]?.arrayValue?[dsm]["resources"]?.arrayValue?.first?["domain"]?.stringValue == "team-a")
        let (clock, domains, schedules) = (
            try app.get("/__admin/clock").json, try app.get("/__admin/domains").json, try app.get("/__admin/schedules").json
        )
        #expect(state["clock"] == clock && state["domains"] == domains && state["schedules"] == schedules)
        #expect(state["keys"] == (try app.get("/__admin/keys?limit=8").json))
        let events = try #require(state["events"]?["events"]?.arrayValue)
        #expect(events.map { $0["job"]?.stringValue } == [id, id, id], "started, its target done, ended")
        #expect(events.last?["to"]?.stringValue == "completed")
    }

    @Test func withAnAdminTokenThePageCarriesNoState() throws {
        let app = try InProcessApp(controlToken: "s3cret")
        let html = String(decoding: app.app.respond(to: .init(method: "GET", path: "/__admin/ui")).body, as: UTF8.self)
        #expect(html.contains("const FIRST_STATE = null;\n"), "the page is served to anyone; its state needs the token")
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
