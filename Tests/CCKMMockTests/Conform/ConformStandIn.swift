import HTTPServer
import Logging
import Synchronization

@testable import CCKMCore
@testable import CCKMMock

/// A lab CM for `conform`'s tests: a mock behind a proxy that can alter its answers (members
/// removed, added or retyped, statuses, enum values, envelopes) and records what it was sent.
final class ConformStandIn: Sendable {
    typealias Alteration = @Sendable (_ request: HTTPRequest, _ response: HTTPResponse) -> HTTPResponse

    let backing: MockServer
    let proxy: HTTPServer
    /// The backing mock's simulator, when its jobs run on the system clock.
    private let ticker: Task<Void, Never>?
    private let seen = Seen()

    var url: String { "http://127.0.0.1:\(proxy.port)" }
    /// Method and path of every request the stand-in was sent.
    var requests: [String] { seen.list.withLock { $0 } }

    init(fixtures: [String] = ["docs-examples"], runningJobs: Bool = false, alter: @escaping Alteration = { $1 }) throws {
        backing = try Self.mock(fixtures: fixtures, runningJobs: runningJobs)
        ticker = runningJobs ? Self.ticking(backing) : nil
        let client = HTTPClient(endpoint: HTTPClient.Endpoint(url: backing.url)!, timeout: 30)
        proxy = try HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            responder: Forwarder(client: client, alter: alter, seen: seen))
    }

    deinit {
        ticker?.cancel()
        proxy.shutdown()
        backing.shutdown()
    }

    /// The simulator of `server` running, as `serve` runs it, until the task is cancelled.
    static func ticking(_ server: MockServer) -> Task<Void, Never> {
        Task { try? await SimulatorService(engine: server.app.engine, logger: Logger(label: "conform-test")).run() }
    }

    /// A mock on a loopback port of its own, login on (admin:admin), plain HTTP, in memory; on the
    /// manual clock, or with `runningJobs` on the system clock with jobs of 50 ms (the jobs tier,
    /// which polls a job until it ends as a lab CM's would).
    static func mock(fixtures: [String], runningJobs: Bool = false) throws -> MockServer {
        var logger = Logger(label: "conform-test")
        logger.logLevel = .error
        return try MockServer(
            configuration: MockConfiguration(
                http: HTTPServerConfiguration(host: "127.0.0.1", port: 0), store: .memory, fixtures: fixtures,
                simulator: SimulatorSettings(targetDuration: 0.05...0.05, failureRate: 0),
                clock: runningJobs ? .system : .manual(start: Timestamp(rfc3339: "2026-01-01T00:00:00Z")!), tls: .off),
            logger: logger)
    }

    private struct Forwarder: HTTPResponder {
        let client: HTTPClient
        let alter: Alteration
        let seen: Seen

        func respond(to request: HTTPRequest) -> HTTPResponse {
            seen.list.withLock { $0.append(request.method + " " + request.path) }
            let query = request.query.map { $0.name + ($0.value.map { "=" + $0 } ?? "") }.joined(separator: "&")
            let headers = request.headers.fields.filter { ["authorization", "content-type"].contains($0.name.lowercased()) }.map {
                ($0.name, $0.value)
            }
            guard
                let answer = try? client.send(request.method, request.path + (query.isEmpty ? "" : "?" + query), headers: headers, body: request.body)
            else { return HTTPResponse(status: 502) }
            var headersBack = HTTPHeaders()
            if let type = answer.headers["Content-Type"] { headersBack.add(name: "Content-Type", value: type) }
            return alter(request, HTTPResponse(status: answer.status, headers: headersBack, body: answer.body))
        }
    }
}

final class Seen: Sendable {
    let list = Mutex<[String]>([])
}

/// Alterations of a JSON answer, for the table of `ConformTests`.
enum Alter {
    /// `body` changed by `change` where the request's path is `path` (and its query has `query`).
    static func json(
        _ method: String = "GET", path: String, query: String? = nil, status: Int? = nil, _ change: @escaping @Sendable (JSONValue) -> JSONValue
    ) -> ConformStandIn.Alteration {
        { request, response in
            guard request.method == method, request.path == path || (path.hasSuffix("/*") && request.path.hasPrefix(String(path.dropLast()))),
                query.map({ q in request.query.contains { $0.name + "=" + ($0.value ?? "") == q } }) ?? request.query.isEmpty,
                let body = try? JSONParser.parse(response.body)
            else { return response }
            var altered = response
            altered.status = status ?? response.status
            altered.body = Array(change(body).jsonText.utf8)
            return altered
        }
    }

    /// The object with `key` set to `value` (nil removes it), at the top or in each of `resources`' items.
    static func member(_ key: String, _ value: JSONValue?, inResources: Bool = false) -> @Sendable (JSONValue) -> JSONValue {
        { body in
            func set(_ object: JSONValue) -> JSONValue {
                guard var members = object.objectValue else { return object }
                if let index = members.firstIndex(where: { $0.key == key }) {
                    if let value { members[index].value = value } else { members.remove(at: index) }
                } else if let value {
                    members.append((key, value))
                }
                return .object(members)
            }
            guard inResources, var members = body.objectValue, let index = members.firstIndex(where: { $0.key == "resources" }),
                let items = members[index].value.arrayValue
            else { return set(body) }
            members[index].value = .array(items.map(set))
            return .object(members)
        }
    }
}
