import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import HTTPServer
import Testing

/// The app with an in-memory store, driven by request values: no socket, no thread. Built by
/// `MockApplication.build`, as a served mock is, with writes made at once on the caller's thread.
package struct InProcessApp {
    package let application: MockApplication
    package var app: CCKMApp { application.app }

    /// A manual clock at `ManualClock.defaultStart` (or `clock`), a fixed seed and auth off unless
    /// told otherwise. `jobs` and `fixture` are the start-up's fixtures (what a reset goes back to).
    package init(
        jobs: [Job] = [], settings: SimulatorSettings = SimulatorSettings(), seed: UInt64 = 1, store: StoreLocation = .memory,
        auth: AuthSettings = AuthSettings(enabled: false), tokenClock: @escaping @Sendable () -> Int64 = TokenService.wallSeconds,
        fixture: Fixture? = nil, journalSize: Int = 10_000, cacheBytes: Int = ResponseCache.defaultBytes, controlToken: String? = nil,
        accessLog: AccessLog = AccessLog(format: .off), hosts: HostPolicy = .anyHost, clock: any SimulationClock = ManualClock()
    ) throws {
        var configuration = MockConfiguration(store: store, simulator: settings, seed: seed, auth: auth, tls: .off)
        configuration.journalSize = journalSize
        configuration.cacheBytes = cacheBytes
        configuration.controlToken = controlToken
        configuration.assembly.clock = clock
        configuration.assembly.signingKey = Array(repeating: 7, count: 32)
        configuration.assembly.tokenClock = tokenClock
        configuration.assembly.groupCommit = false
        configuration.assembly.accessLog = accessLog
        configuration.assembly.hosts = hosts
        configuration.assembly.locksDataFolder = false
        var given = Fixture(jobs: jobs)
        if let fixture { given.merge(fixture) }
        configuration.assembly.fixture = given
        application = try MockApplication.build(configuration)
    }

    package func delete(_ target: String) throws -> Reply { try send("DELETE", target) }

    /// `target` is a path with an optional query, as in a URL; the query is split and decoded
    /// the way libmicrohttpd does it.
    /// `token` sends `Authorization: Bearer <token>`; `authorization` sends that header as given.
    package func send(_ method: String, _ target: String, body: String = "", token: String? = nil, authorization: String? = nil) throws -> Reply {
        let parts = target.split(separator: "?", maxSplits: 1)
        let query = parts.count > 1 ? parseQuery(String(parts[1])) : []
        let header = authorization ?? token.map { "Bearer " + $0 }
        let headers = HTTPHeaders(header.map { [("Authorization", $0)] } ?? [])
        let response = app.respond(to: HTTPRequest(method: method, path: String(parts[0]), query: query, headers: headers, body: Array(body.utf8)))
        return try Reply(status: response.status, headers: response.headers, body: response.body.isEmpty ? Array("null".utf8) : response.body)
    }

    package func get(_ target: String) throws -> Reply { try send("GET", target) }

    /// What the server would do: answer now, later (awaited here), or hang up (nil).
    package func reply(_ method: String, _ target: String, body: String = "") async throws -> Reply? {
        let parts = target.split(separator: "?", maxSplits: 1)
        let request = HTTPRequest(
            method: method, path: String(parts[0]), query: parts.count > 1 ? parseQuery(String(parts[1])) : [], body: Array(body.utf8))
        let response: HTTPResponse?
        switch app.reply(to: request) {
        case .now(let now): response = now
        case .hangUp: response = nil
        case .later(let start, let then):
            response = then(await withCheckedContinuation { continuation in start { continuation.resume(returning: $0) } })
        }
        return try response.map { try Reply(status: $0.status, headers: $0.headers, body: $0.body.isEmpty ? Array("null".utf8) : $0.body) }
    }

    package func post(_ target: String, _ body: String = "") throws -> Reply { try send("POST", target, body: body) }

    /// Moves the manual clock through the control API.
    @discardableResult
    package func advance(_ seconds: Double) throws -> Reply {
        let reply = try post("/__admin/clock/advance", #"{"seconds": \#(seconds)}"#)
        #expect(reply.status == 200)
        return reply
    }
}

/// A response with its body parsed as JSON.
package struct Reply {
    package let status: Int
    package let headers: HTTPHeaders
    package let json: JSONValue
    package let body: [UInt8]

    package init(status: Int, headers: HTTPHeaders, body: [UInt8]) throws {
        self.status = status
        self.headers = headers
        self.body = body
        // A stub may answer with text (`Content-Type: text/plain`): no JSON to read then. Every
        // other answer must be JSON.
        let type = headers["Content-Type"]?.lowercased() ?? ""
        self.json = type.hasPrefix("text/") && !type.contains("json") ? .null : try JSONParser.parse(body)
    }

    /// `detailed_status` as target → message, in order.
    package var detailed: [String] {
        json["detailed_status"]?.objectValue?.map { "\($0.key)=\($0.value.stringValue ?? "?")" } ?? []
    }

    /// The ids of a list's `resources`, in order.
    package var ids: [String] { json["resources"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [] }
    package var total: Int? { json["total"]?.intValue }

    /// Checks the CM error envelope: its fields in order, the status, code and a message part.
    package func expectError(status: Int, code: Int, codeDesc: String, messageContains: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.status == status, sourceLocation: sourceLocation)
        #expect(json.objectValue?.map(\.key) == ["code", "codeDesc", "message", "requestID"], sourceLocation: sourceLocation)
        #expect(json["code"]?.intValue == code, sourceLocation: sourceLocation)
        #expect(json["codeDesc"]?.stringValue == codeDesc, sourceLocation: sourceLocation)
        #expect(
            json["message"]?.stringValue?.contains(messageContains) == true, "message: \(json["message"]?.stringValue ?? "none")",
            sourceLocation: sourceLocation)
        #expect(isUUID(json["requestID"]?.stringValue ?? ""), sourceLocation: sourceLocation)
        #expect(headers["Content-Type"] == "application/json", sourceLocation: sourceLocation)
    }
}

package func parseQuery(_ text: String) -> [QueryItem] {
    text.split(separator: "&").map { pair in
        let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let decode = { (part: Substring) in (String(part).replacingPlus()).removingPercentEncodingLossy() }
        return QueryItem(name: decode(halves[0]), value: halves.count > 1 ? decode(halves[1]) : nil)
    }
}

extension String {
    fileprivate func replacingPlus() -> String { String(map { $0 == "+" ? " " : $0 }) }

    fileprivate func removingPercentEncodingLossy() -> String {
        var bytes: [UInt8] = []
        var iterator = Array(utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
