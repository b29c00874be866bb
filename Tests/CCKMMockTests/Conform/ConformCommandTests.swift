import Foundation
import TestSupport
import Testing

@testable import CCKMCore
@testable import CCKMMock
@testable import CCKMStore

/// `cckm-mock conform` as a process: its exit codes, and that no credential reaches its output.
@Suite(.live()) struct ConformCommandTests {
    @Test func anUnalteredStandInExitsZeroAndTheReportNamesNoSecret() throws {
        let standIn = try ConformStandIn()
        let process = try ServerProcess(
            ["conform", "--against", standIn.url, "--format", "json", "--rate", "1000"],
            environment: ["CCKM_MOCK_CONFORM_USERNAME": "admin", "CCKM_MOCK_CONFORM_PASSWORD": "admin"])
        let report = process.firstLine() ?? ""
        let (status, errors) = process.finish()
        #expect(status == 0, "\(errors)")
        #expect(try JSONParser.parse(report)["differences"]?.arrayValue?.isEmpty == true)
        #expect(!report.contains("admin") && !errors.contains("admin"), "no credential printed")
    }

    /// Over HTTPS, the lab CM's certificate verified from a file, beside the in-process mock.
    /// GnuTLS reads the name to verify during the handshake from the pointer it was given; the
    /// client passed a temporary C copy of a Swift string, freed by then, and this run failed as
    /// "the name in the certificate does not match" once that memory was reused.
    @Test func aLabCMOverVerifiedHTTPS() throws {
        let lab = try LiveServer(fixtures: [Paths.docsFixture], auth: AuthSettings(enabled: true), tls: .generated(extraNames: []))
        let process = try ServerProcess(
            ["conform", "--against", lab.baseURL, "--ca-cert", lab.directory + "/tls-cert.pem", "--rate", "1000"],
            environment: ["CCKM_MOCK_CONFORM_USERNAME": "admin", "CCKM_MOCK_CONFORM_PASSWORD": "admin"])
        let (status, errors) = process.finish()
        #expect(status == 0, "\(errors)")
    }

    /// `--save-live` keeps the lab CM's jobs, anonymized, as a fixture the mock loads.
    @Test func theLiveJobsAreKeptAsAFixture() throws {
        let standIn = try ConformStandIn()
        let folder = try Paths.temporaryDirectory()
        let process = try ServerProcess(
            ["conform", "--against", standIn.url, "--rate", "1000", "--save-live", folder],
            environment: ["CCKM_MOCK_CONFORM_USERNAME": "admin", "CCKM_MOCK_CONFORM_PASSWORD": "admin"])
        let (status, errors) = process.finish()
        #expect(status == 0, "\(errors)")
        let path = folder + "/conform-live.json"
        let fixture = try Fixture.load(paths: [path], now: ManualClock.defaultStart)
        let served = try #require(try Fixture.load(paths: [Paths.docsFixture], now: ManualClock.defaultStart).jobs.count as Int?)
        #expect(fixture.jobs.count == served, "each family's first page: every job of the docs' examples")
        #expect(errors.contains("jobs of the lab CM written to \(path), anonymized"))
    }

    @Test(arguments: [
        (["--password", "wrong"], 3, "refused the login"),
        (["--against", "http://127.0.0.1:1"], 3, "cannot reach the lab CM"),
        (["--format", "xml"], 2, "--format must be text, json or junit"),
    ])
    func exitCodes(extra: [String], code: Int32, message: String) throws {
        let standIn = try ConformStandIn()
        let process = try ServerProcess(["conform", "--against", standIn.url, "--username", "admin", "--password", "admin"] + extra)
        let (status, errors) = process.finish()
        #expect(status == code && errors.contains(message), "\(status): \(errors)")
    }
}
