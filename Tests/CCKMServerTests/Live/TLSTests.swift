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

/// HTTPS on the live server: the handshake, the generated certificate and its reuse, own files.
@Suite(.live()) struct TLSTests {
    @Test func generatedCertificateVerifiesForLoopbackNames() throws {
        let live = try LiveServer(fixtures: [], tls: .generated(extraNames: ["mock.test"]))
        #expect(live.baseURL.hasPrefix("https://127.0.0.1:"))
        let certificate = live.directory + "/tls-cert.pem"
        let byAddress = try Curl.run(["--cacert", certificate, live.baseURL + "/__admin/health"])
        #expect(byAddress.exitCode == 0 && byAddress.status == 200 && byAddress.body == #"{"status":"ok"}"#)
        let byName = try Curl.run([
            "--cacert", certificate, live.baseURL.replacingOccurrences(of: "127.0.0.1", with: "localhost") + "/__admin/health",
        ])
        #expect(byName.status == 200, "the certificate names localhost")
        let pem = try String(contentsOfFile: certificate, encoding: .utf8)
        let facts = try TLSIdentity(certificatePEM: pem, privateKeyPEM: try String(contentsOfFile: live.directory + "/tls-key.pem", encoding: .utf8))
            .inspect()
        #expect(facts.subjectAltNames == ["localhost", "127.0.0.1", "::1", "mock.test"])
        let attributes = try FileManager.default.attributesOfItem(atPath: live.directory + "/tls-key.pem")
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "the private key is readable by its owner only")
    }

    @Test func onlyTLS12AndUp() throws {
        let live = try LiveServer(fixtures: [], tls: .generated(extraNames: []))
        #expect(try Curl.run(["-k", "--tls-max", "1.1", live.baseURL + "/__admin/health"]).exitCode != 0)
        #expect(try Curl.run(["-k", "--tlsv1.2", "--tls-max", "1.2", live.baseURL + "/__admin/health"]).status == 200)
        #expect(try Curl.run(["-k", "--tlsv1.3", live.baseURL + "/__admin/health"]).status == 200)
        #expect(try Curl.run([live.baseURL.replacingOccurrences(of: "https", with: "http") + "/__admin/health"]).status != 200)
    }

    @Test func certificateIsReusedAcrossRestartsAndRemadeForNewNames() throws {
        let first = try LiveServer(fixtures: [], tls: .generated(extraNames: []))
        first.stop()
        let original = try String(contentsOfFile: first.directory + "/tls-cert.pem", encoding: .utf8)
        let second = try LiveServer(fixtures: [], directory: first.directory, tls: .generated(extraNames: []))
        second.stop()
        #expect(try String(contentsOfFile: first.directory + "/tls-cert.pem", encoding: .utf8) == original)
        let third = try LiveServer(fixtures: [], directory: first.directory, tls: .generated(extraNames: ["new.test"]))
        #expect(try String(contentsOfFile: first.directory + "/tls-cert.pem", encoding: .utf8) != original)
    }

    @Test func ownCertificateFiles() throws {
        let directory = try Paths.temporaryDirectory()
        let identity = try TLSIdentity.selfSigned(names: ["127.0.0.1"], commonName: "own")
        try identity.certificatePEM.write(toFile: directory + "/own.pem", atomically: true, encoding: .utf8)
        try identity.privateKeyPEM.write(toFile: directory + "/own.key", atomically: true, encoding: .utf8)
        let live = try LiveServer(fixtures: [], tls: .files(certificate: directory + "/own.pem", privateKey: directory + "/own.key"))
        #expect(try Curl.run(["--cacert", directory + "/own.pem", live.baseURL + "/__admin/health"]).status == 200)
        #expect(!FileManager.default.fileExists(atPath: live.directory + "/tls-cert.pem"), "nothing generated")
    }

    @Test func mismatchedCertificateAndKeyAreRefused() throws {
        let directory = try Paths.temporaryDirectory()
        try TLSIdentity.selfSigned(names: ["a"]).certificatePEM.write(toFile: directory + "/a.pem", atomically: true, encoding: .utf8)
        try TLSIdentity.selfSigned(names: ["b"]).privateKeyPEM.write(toFile: directory + "/b.key", atomically: true, encoding: .utf8)
        #expect {
            _ = try LiveServer(fixtures: [], tls: .files(certificate: directory + "/a.pem", privateKey: directory + "/b.key"))
        } throws: { error in
            "\(error)".contains("invalid TLS certificate or key")
        }
    }

    @Test func signingKeySurvivesARestart() throws {
        let auth = AuthSettings()
        let first = try LiveServer(fixtures: [Paths.docsFixture], auth: auth, tls: .generated(extraNames: []))
        let login = try Curl.run(["-k", "-d", #"{"username":"admin","password":"admin"}"#, first.baseURL + "/api/v1/auth/tokens"])
        let jwt = try #require(try JSONParser.parse(login.body)["jwt"]?.stringValue)
        first.stop()
        let second = try LiveServer(fixtures: [], directory: first.directory, auth: auth, tls: .generated(extraNames: []))
        let reply = try Curl.run(["-k", "-H", "Authorization: Bearer " + jwt, second.baseURL + "/api/v1/cckm/sfdc/keys/synchronization-jobs"])
        #expect(reply.status == 200 && reply.body.contains("\"total\":2"))
    }
}
