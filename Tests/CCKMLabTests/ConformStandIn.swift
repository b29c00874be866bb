import CCKMCore
import CCKMLab
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import Logging
import Synchronization

/// A lab CM for `conform`'s tests: a mock behind a proxy that can alter its answers (members
/// removed, added or retyped, statuses, enum values, envelopes) and records what it was sent.
final class ConformStandIn: Sendable {
    typealias Alteration = @Sendable (_ request: HTTPRequest, _ response: HTTPResponse) -> HTTPResponse

    let backing: StandInLab
    let proxy: HTTPServer
    private let seen = Seen()

    var url: String { "http://127.0.0.1:\(proxy.port)" }
    /// Method and path of every request the stand-in was sent.
    var requests: [String] { seen.list.withLock { $0 } }

    init(fixtures: [String] = ["docs-examples"], runningJobs: Bool = false, alter: @escaping Alteration = { $1 }) throws {
        backing = try StandInLab(fixtures: fixtures, runningJobs: runningJobs)
        let client = HTTPClient(endpoint: HTTPClient.Endpoint(url: backing.url)!, timeout: 30)
        proxy = try HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            responder: Forwarder(client: client, alter: alter, seen: seen))
    }

    deinit {
        proxy.shutdown()
        backing.shutdown()
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
