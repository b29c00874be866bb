import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import Foundation
import HTTPServer
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real server on a free port with a real SQLite file in its own directory, and a client for it.
/// It stops when its test ends, whatever happened (`TestCleanups`); `stop()` stops it sooner, as a
/// restart on the same folder needs.
package final class LiveServer: Sendable {
    package let server: ServingMock
    package let directory: String
    package let baseURL: String

    /// A manual clock, a fixed seed, plain HTTP and auth off unless told otherwise.
    package init(
        fixtures: [String] = [Paths.docsFixture], directory: String? = nil, maxBodyBytes: Int = 1 << 20,
        simulator: SimulatorSettings = SimulatorSettings(), clock: ClockChoice = .manual(start: ManualClock.defaultStart),
        auth: AuthSettings = AuthSettings(enabled: false), tls: TLSChoice = .off, requestTimeoutSeconds: Int = 10, mappings: [String] = []
    ) throws {
        self.directory = try directory ?? Paths.temporaryDirectory()
        let http = HTTPServerConfiguration(
            host: "127.0.0.1", port: 0, threads: 2, requestTimeoutSeconds: requestTimeoutSeconds, maxBodyBytes: maxBodyBytes)
        var configuration = MockConfiguration(
            http: http, store: .directory(self.directory), fixtures: fixtures, simulator: simulator, clock: clock, seed: 1, auth: auth, tls: tls)
        configuration.mappings = mappings
        server = try ServingMock.start(configuration)
        baseURL = server.url
        try TestCleanups.add("a LiveServer") { [server] in server.shutdown() }
    }

    package func stop() {
        server.shutdown()
    }

    /// One request over a fresh ephemeral session (no cookies, no cache).
    package func send(_ method: String, _ target: String, body: [UInt8]? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + target)!)
        request.httpMethod = method
        if let body { request.httpBody = Data(body) }
        let (data, response) = try await LiveServer.session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers = HTTPHeaders()
        for (name, value) in http.allHeaderFields {
            headers.add(name: "\(name)", value: "\(value)")
        }
        return try Reply(status: http.statusCode, headers: headers, body: data.isEmpty ? Array("null".utf8) : [UInt8](data))
    }

    package func get(_ target: String) async throws -> Reply { try await send("GET", target) }

    package func post(_ target: String, _ body: String = "") async throws -> Reply { try await send("POST", target, body: Array(body.utf8)) }

    package static let session = URLSession(configuration: .ephemeral)
}
