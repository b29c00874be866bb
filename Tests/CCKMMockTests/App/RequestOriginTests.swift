import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

/// Issue 24 #5: a page of another origin wiped the mock and installed a `*` 503 fault with plain
/// `no-cors` POSTs, and a foreign `Host` (DNS rebinding) was served.
@Suite(.inProcess()) struct RequestOriginTests {
    static let faults = #"{"path":"*","status":503}"#

    func app() throws -> InProcessApp {
        try InProcessApp(hosts: HostPolicy(names: ["127.0.0.1", "mock.ci.internal"]))
    }

    func send(_ app: InProcessApp, _ method: String, _ path: String, headers: [(String, String)], body: String = "") -> HTTPResponse {
        app.app.respond(to: HTTPRequest(method: method, path: path, headers: HTTPHeaders(headers), body: Array(body.utf8)))
    }

    @Test(arguments: ["evil.example:8443", "evil.example", "127.0.0.1.evil.example:8443", "mock.ci.internal.evil.example"])
    func aForeignHostIsRefusedOnEveryPath(host: String) throws {
        let app = try app()
        for path in ["/api/v1/cckm/aws/synchronization-jobs", "/__admin/health", "/__admin/reset"] {
            let response = send(app, path == "/__admin/reset" ? "POST" : "GET", path, headers: [("Host", host)])
            #expect(response.status == 403, "\(host) \(path)")
            let body = try JSONParser.parse(response.body)
            #expect(body["codeDesc"] == .string("NCERRForbidden: Forbidden") && body["message"]?.stringValue?.contains("--allow-host") == true)
        }
    }

    @Test(arguments: ["127.0.0.1:8443", "localhost:8443", "LOCALHOST", "[::1]:8443", "10.1.2.3:8443", "mock.ci.internal:8443", "api.localhost"])
    func theServersOwnNamesAreServed(host: String) throws {
        #expect(send(try app(), "GET", "/api/v1/cckm/aws/synchronization-jobs", headers: [("Host", host)]).status == 200, "\(host)")
    }

    @Test func aCrossOriginControlCallChangesNothing() throws {
        let app = try app()
        let attacks: [[(String, String)]] = [
            [("Host", "127.0.0.1:8443"), ("Origin", "https://evil.example")],
            [("Host", "127.0.0.1:8443"), ("Origin", "null")],
            [("Host", "127.0.0.1:8443"), ("Origin", "http://127.0.0.1:3000")],
            [("Host", "127.0.0.1:8443"), ("Sec-Fetch-Site", "cross-site")],
            [("Host", "127.0.0.1:8443"), ("Sec-Fetch-Site", "same-site")],
        ]
        for headers in attacks {
            #expect(send(app, "POST", "/__admin/faults", headers: headers, body: Self.faults).status == 403, "\(headers)")
            #expect(send(app, "POST", "/__admin/reset", headers: headers).status == 403, "\(headers)")
        }
        #expect(app.app.faults.all.isEmpty, "no fault was installed")
        // The dashboard's own calls, and clients that are no browser, are served.
        let own = [("Host", "127.0.0.1:8443"), ("Origin", "https://127.0.0.1:8443"), ("Sec-Fetch-Site", "same-origin")]
        #expect(send(app, "POST", "/__admin/faults", headers: own, body: Self.faults).status == 201)
        #expect(send(app, "DELETE", "/__admin/faults", headers: [("Host", "127.0.0.1:8443")]).status == 204)
    }

    /// Issue 31 #9: with login off (the demo's default) a page of another origin started jobs and
    /// created configurations with a no-cors POST; only /__admin refused it.
    @Test func withLoginOffAPageOfAnotherOriginChangesNothingAnywhere() throws {
        let app = try app()
        let attack = [("Host", "127.0.0.1:8443"), ("Origin", "https://evil.example"), ("Content-Type", "text/plain")]
        let config =
            #"{"name":"x","operation":"cckm_synchronization","run_at":"* * * * *","cckm_synchronization_params":{"cloud_name":"aws","kms":["k"]}}"#
        let start = send(app, "POST", "/api/v1/cckm/aws/synchronization-jobs", headers: attack, body: #"{"kms":["k"]}"#)
        #expect(start.status == 403)
        #expect(send(app, "POST", "/api/v1/scheduler/job-configs", headers: attack, body: config).status == 403)
        #expect(send(app, "GET", "/api/v1/cckm/aws/synchronization-jobs", headers: attack).status == 200, "reads stay open")
        #expect(try app.app.store.count() == 0, "no job was started")
        let client = [("Host", "127.0.0.1:8443")]
        #expect(send(app, "POST", "/api/v1/cckm/aws/synchronization-jobs", headers: client, body: #"{"kms":["k"]}"#).status == 201)
    }
}
