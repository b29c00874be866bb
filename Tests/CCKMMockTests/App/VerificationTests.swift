import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import Synchronization
import TestSupport
import Testing

@testable import CCKMMock

/// Request verification as WireMock's and MockServer's `verify` do it, and the access log (issue 15).
@Suite(.inProcess()) struct VerificationTests {
    func app(auth: Bool = false, accessLog: AccessLog = AccessLog(format: .off)) throws -> InProcessApp {
        try InProcessApp(auth: AuthSettings(enabled: auth, accounts: Accounts(domains: ["team-a"])), accessLog: accessLog)
    }

    func traffic(_ app: InProcessApp) throws {
        _ = try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["kms-1"],"regions":["eu-west-1"]}"#)
        _ = try app.send("POST", "/api/v1/cckm/sap/synchronization-jobs", body: #"{"groups":["g1"],"synchronize_all":false}"#)
        _ = try app.get("/api/v1/cckm/aws/synchronization-jobs?kms=kms-1&limit=5")
        _ = try app.get("/api/v1/cckm/oci/synchronization-jobs/00000000-0000-4000-8000-000000000000")
    }

    func count(_ app: InProcessApp, _ matcher: String) throws -> Int? {
        try app.post("/__admin/requests/count", matcher).json["count"]?.intValue
    }

    @Test(arguments: [
        ("{}", 4),
        (#"{"method":"post"}"#, 2),
        (#"{"path":"/api/v1/cckm/aws/*"}"#, 2),
        (#"{"query":{"kms":"kms-1"}}"#, 1),
        (#"{"query":{"kms":{"equalTo":"kms-2"}}}"#, 0),
        (#"{"query":{"limit":{"present":true}},"method":"GET"}"#, 1),
        (#"{"query":{"limit":{"present":false}},"method":"GET"}"#, 1),
        (#"{"headers":{"authorization":{"present":true}}}"#, 0),
        (#"{"body":{"equalToJson":{"regions":["eu-west-1"],"kms":["kms-1"]}}}"#, 1),
        (#"{"body":{"equalToJson":{"groups":["g1"]}}}"#, 0),
        (#"{"body":{"equalToJson":{"groups":["g1"]},"ignoreExtraMembers":true}}"#, 1),
        (#"{"body":{"contains":"kms-1"}}"#, 1),
        (#"{"body":{"members":{"kms":["kms-1"]}}}"#, 1),
        (#"{"body":{"members":{"kms.0":"kms-1"}}}"#, 0),
        (#"{"status":404}"#, 1),
        (#"{"status":201,"domain":"root"}"#, 2),
        (#"{"domain":"team-a"}"#, 0),
    ])
    func matchersCountWhatTheyDescribe(matcher: String, expected: Int) throws {
        let app = try app()
        try traffic(app)
        #expect(try count(app, matcher) == expected, "\(matcher)")
    }

    @Test func findReturnsTheEntriesAndNearMissesSayWhatDiffered() throws {
        let app = try app()
        try traffic(app)
        let found = try app.post("/__admin/requests/find", #"{"method":"POST","path":"/api/v1/cckm/sap/*"}"#)
        #expect(found.json["requests"]?.arrayValue?.map { $0["path"]?.stringValue } == ["/api/v1/cckm/sap/synchronization-jobs"])
        let misses = try app.post("/__admin/requests/near-misses", #"{"method":"POST","path":"/api/v1/cckm/google/*","body":{"contains":"ring"}}"#)
        let first = try #require(misses.json["nearMisses"]?.arrayValue?.first)
        #expect(first["request"]?["method"]?.stringValue == "POST")
        #expect(first["differences"]?.arrayValue?.count == 2)
        #expect(first["differences"]?.arrayValue?.first?.stringValue?.hasPrefix("path: expected /api/v1/cckm/google/*, got") == true)
        #expect(misses.json["nearMisses"]?.arrayValue?.count == 4)
    }

    @Test(arguments: [
        (#"{"verb":"GET"}"#, "\"verb\""), (#"{"status":"201"}"#, "\"status\""), (#"{"query":["kms"]}"#, "\"query\""),
        (#"{"query":{"kms":{"equals":"a"}}}"#, "\"equals\""), (#"{"headers":{"X":3}}"#, "\"headers.X\""),
        (#"{"body":{"json":{}}}"#, "\"json\""), (#"{"body":{"members":[1]}}"#, "\"body.members\""), ("[1]", "JSON object"),
    ])
    func badMatchersAre400sNamingTheKey(matcher: String, named: String) throws {
        let reply = try app().post("/__admin/requests/find", matcher)
        #expect(reply.status == 400)
        #expect(reply.json["message"]?.stringValue?.contains(named) == true, "\(reply.json["message"]?.stringValue ?? "")")
    }

    @Test func theJournalKnowsEachRequestsDomain() throws {
        let app = try app(auth: true)
        let token = try #require(try app.post("/__admin/tokens", #"{"domain":"team-a"}"#).json["jwt"]?.stringValue)
        _ = try app.send("GET", "/api/v1/cckm/sap/synchronization-jobs", token: token)
        _ = try app.send("GET", "/api/v1/cckm/sap/synchronization-jobs", token: "forged")
        #expect(try count(app, #"{"domain":"team-a"}"#) == 1)
        #expect(try count(app, #"{"status":401}"#) == 1)
    }

    @Test func theAccessLogHasALinePerRequestWithTheIdTheClientGot() throws {
        let lines = Mutex<[String]>([])
        let app = try app(accessLog: AccessLog(format: .text) { line in lines.withLock { $0.append(line) } })
        let reply = try app.get("/api/v1/cckm/sap/synchronization-jobs?password=hunter2&limit=1")
        let id = try #require(reply.headers["X-Request-ID"])
        let line = try #require(lines.withLock { $0.first })
        #expect(line.contains(" GET /api/v1/cckm/sap/synchronization-jobs?password=***&limit=1 200 "))
        #expect(line.hasSuffix(" " + id) && !line.contains("hunter2"))
        _ = try app.get("/__admin/health")
        #expect(lines.withLock { $0.count } == 2)
    }

    /// Issue 24 #10: the path arrives decoded, so `%0D%0A` made a second, forged line and `%1B` sent
    /// terminal escapes.
    @Test func aPathCannotForgeALineOrSendTerminalEscapes() throws {
        let lines = Mutex<[String]>([])
        let app = try app(accessLog: AccessLog(format: .text) { line in lines.withLock { $0.append(line) } })
        let forged = "/x\r\n2026-01-01T00:00:00Z GET /admin 200 0B 1us id\u{1B}[2J\u{9B}1m tail"
        _ = try app.send("GET", forged + "?a=b\nc")
        let line = try #require(lines.withLock { $0.first })
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, "\(line)")
        #expect(line.contains(" GET /x%0D%0A2026-01-01T00:00:00Z%20GET%20/admin%20200%200B%201us%20id%1B[2J%C2%9B1m%20tail?a=b%0Ac 404 "), "\(line)")
        #expect(line.split(separator: " ").count == 7, "one field per part")
    }

    @Test func theJSONAccessLogIsOneObjectPerLine() throws {
        let lines = Mutex<[String]>([])
        let app = try app(accessLog: AccessLog(format: .json) { line in lines.withLock { $0.append(line) } })
        let reply = try app.post("/api/v1/cckm/sap/synchronization-jobs", "{")
        let entry = try JSONParser.parse(Array(try #require(lines.withLock { $0.first }).utf8))
        #expect(entry.objectValue?.map(\.key) == ["time", "method", "path", "status", "bytes", "microseconds", "requestID"])
        #expect(entry["status"]?.intValue == 400 && entry["bytes"]?.intValue == reply.body.count)
        #expect(entry["requestID"]?.stringValue == reply.headers["X-Request-ID"])
    }
}
