import CCKMCore
import HTTPServer

#if canImport(Glibc)
    import Glibc
#endif

/// One side of a comparison, the mock or the lab CM: a client, its credentials, its token, and a
/// pace (`minimumInterval` between requests) that protects a lab CM. Credentials stay here: no
/// report, log line or error names them.
package final class ConformSide: @unchecked Sendable {
    package let label: String
    let client: HTTPClient
    private let username: String
    private let password: String
    private let domain: String?
    /// The domain this side acts in, as a fixture names it.
    package var domainName: String { domain ?? Job.rootDomain }
    private let minimumInterval: Duration
    private var lastRequest: ContinuousClock.Instant?
    private(set) var token: String?
    private(set) var refreshToken: String?
    /// What each request of this side was, method and path, for tests of what a lab CM saw.
    package private(set) var sent: [String] = []

    package init(label: String, client: HTTPClient, username: String, password: String, domain: String?, requestsPerSecond: Double) {
        self.label = label
        self.client = client
        self.username = username
        self.password = password
        self.domain = domain
        minimumInterval = requestsPerSecond > 0 ? .nanoseconds(Int64(1e9 / requestsPerSecond)) : .zero
    }

    /// An answer, or why none came.
    package enum Outcome: Sendable {
        case answered(status: Int, contentType: String?, body: JSONValue?)
        case failed(String)
    }

    /// Waits `duration` on this thread (the pace a lab CM is protected with, a poll's pause).
    package func pause(_ duration: Duration) {
        guard duration > .zero else { return }
        var pause = timespec(tv_sec: Int(duration.components.seconds), tv_nsec: Int(duration.components.attoseconds / 1_000_000_000))
        nanosleep(&pause, nil)
    }

    package func send(_ method: String, _ path: String, body: String? = nil, bearer: Bool = true) -> Outcome {
        if let lastRequest {
            let due = lastRequest + minimumInterval
            let now = ContinuousClock.now
            if due > now { pause(due - now) }
        }
        lastRequest = ContinuousClock.now
        sent.append(method + " " + path)
        var headers: [(String, String)] = [("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        if bearer, let token { headers.append(("Authorization", "Bearer " + token)) }
        do {
            let response = try client.send(method, path, headers: headers, body: Array((body ?? "").utf8))
            let json = response.body.isEmpty ? nil : try? JSONParser.parse(response.body)
            let media = response.headers["Content-Type"].map { String($0.split(separator: ";")[0]).lowercased() }
            return .answered(status: response.status, contentType: media, body: json)
        } catch {
            return .failed(error.description)
        }
    }

    /// The password login's body and the answer; keeps the token for the probes that follow.
    package func logIn() -> (request: String, outcome: Outcome) {
        var members: [(String, JSONPart)] = [
            ("grant_type", .string("password")), ("username", .string(username)), ("password", .string(password)),
        ]
        if let domain { members.append(("domain", .string(domain))) }
        let outcome = send("POST", "/api/v1/auth/tokens", body: JSONWriter.object(members), bearer: false)
        if case .answered(200..<300, _, let body?) = outcome {
            token = body["jwt"]?.stringValue
            refreshToken = body["refresh_token"]?.stringValue
        }
        return ("POST /api/v1/auth/tokens (password)", outcome)
    }

    /// A login with the refresh token the password login gave; nil without one.
    package func refresh() -> Outcome? {
        guard let refreshToken else { return nil }
        var members: [(String, JSONPart)] = [("grant_type", .string("refresh_token")), ("refresh_token", .string(refreshToken))]
        if let domain { members.append(("domain", .string(domain))) }
        return send("POST", "/api/v1/auth/tokens", body: JSONWriter.object(members), bearer: false)
    }
}
