import CCKMServer
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

/// The client commands (`health`, `conform`, `record`: one HTTPS client) against a TLS server of
/// another stack, Python's `ssl` with OpenSSL's defaults (issue 42 #1, #2).
@Suite(.live()) struct OtherTLSStackTests {
    static let peer = Paths.repository + "/Tests/CCKMServerTests/Peers/tls_peer.py"

    /// The peer started in `mode`, and its URL.
    static func peer(_ mode: String, _ extra: [String] = []) throws -> String {
        let folder = try Paths.temporaryDirectory()
        let peer = try ServerProcess(["python3", Self.peer, mode, folder] + extra, executable: "/usr/bin/env")
        let port = try #require(peer.firstLine(), "the peer printed its port")
        return "https://127.0.0.1:\(port)"
    }

    /// #1: TLS 1.3 sends NewSessionTicket after the handshake; GnuTLS's read returns AGAIN once it
    /// has taken one, which the client took for its deadline: "no answer within the timeout" at once.
    @Test func aServerThatSendsSessionTicketsIsRead() throws {
        let url = try Self.peer("tickets")
        for _ in 0..<3 {
            let health = try ServerProcess(["health", "--url", url, "--timeout", "20"]).finish()
            #expect(health.status == 0, "\(health.errors)")
        }
    }

    /// #2: a server that trickles its one TLS record a byte every 0.25 s kept `health --timeout 2`
    /// for minutes (GnuTLS looped on `recv`, each read getting the socket's whole timeout anew).
    @Test func aTricklingTLSServerGetsTheTimeoutAndNoMore() throws {
        let url = try Self.peer("trickle", ["0.25"])
        let started = ContinuousClock.now
        let health = try ServerProcess(["health", "--url", url, "--timeout", "2"]).finish()
        let took = ContinuousClock.now - started
        #expect(health.status == 1 && health.errors.contains("no answer within the timeout"), "\(health.errors)")
        #expect(took < .seconds(15), "health --timeout 2 took \(took)")
    }

    /// The same pacing, fast enough for the timeout: the answer is read whole, so the test above
    /// fails for its pace, not for a peer that never answers.
    @Test func aTricklingTLSServerWithinTheTimeoutIsReadWhole() throws {
        let url = try Self.peer("trickle", ["0.002"])
        let health = try ServerProcess(["health", "--url", url, "--timeout", "60"]).finish()
        #expect(health.status == 0, "\(health.errors)")
    }
}
