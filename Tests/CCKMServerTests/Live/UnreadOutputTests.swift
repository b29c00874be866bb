import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

/// Round four (issue 31 #1-#3): the server as a harness or a pipeline runs it, with a standard error
/// that nobody reads or that goes away. No log line may block a write, kill the process or hold
/// its stop.
@Suite(.live()) struct UnreadOutputTests {
    /// A started server's URL and a plain HTTP client for it (the access log on, as by default).
    func start(_ extra: [String] = []) throws -> (ServerProcess, HTTPClient) {
        let server = try ServerProcess(["serve", "--port", "0", "--tls", "off", "--auth", "off", "--data", ":memory:", "--clock", "manual"] + extra)
        let url = try #require(server.firstLine()?.split(separator: " ").last.map(String.init))
        let endpoint = try #require(HTTPClient.Endpoint(url: url))
        return (server, HTTPClient(endpoint: endpoint, timeout: 5))
    }

    /// #1: the next log line after the reader went away ended the process with SIGPIPE.
    @Test func aReaderOfStandardErrorThatGoesAwayCostsLinesNotTheProcess() throws {
        let (server, client) = try start()
        server.closeStandardError()
        for _ in 0..<200 { #expect(try client.send("GET", "/api/v1/cckm/oci/synchronization-jobs").status == 200) }
        // A warning and the access log's lines have had their chance to be written by now.
        #expect(try client.send("GET", "/api/v1/cckm/oci/synchronization-jobs/not-a-uuid").status == 404)
        #expect(try client.send("GET", "/__admin/health").status == 200, "still serving")
        server.signal(SIGTERM)
        #expect(server.exit(within: 10) == 0, "a clean stop, not signal 13")
    }

    /// #2 and #3: with a standard error nobody reads, about 270 refused starts filled the pipe and
    /// every write after them waited for good; then SIGTERM never ended the process.
    @Test func aStandardErrorNobodyReadsHoldsNoWriteAndNoStop() throws {
        let (server, client) = try start(["--log-level", "debug"])
        let body = Array(#"{"vaults":["v1"]}"#.utf8)
        #expect(try client.send("POST", "/api/v1/cckm/oci/synchronization-jobs", body: body).status == 201)
        // Each refusal logs a line; 2,000 of them are far more than a pipe's 64 KB.
        for _ in 0..<2_000 {
            #expect(try client.send("POST", "/api/v1/cckm/oci/synchronization-jobs", body: body).status == 409)
        }
        #expect(try client.send("POST", "/api/v1/cckm/google/synchronization-jobs", body: Array(#"{"key_rings":["r"]}"#.utf8)).status == 201)
        #expect(try client.send("POST", "/__admin/clock/advance", body: Array(#"{"seconds":60}"#.utf8)).status == 200)
        server.signal(SIGTERM)
        #expect(server.exit(within: 10) == 0, "the stop's flush gives up on a full pipe")
    }
}
