import Foundation
import Testing

@testable import CCKMCore
@testable import CCKMMock

/// `cckm-mock conform` as a process: its exit codes, and that no credential reaches its output.
@Suite(.timeLimit(.minutes(1))) struct ConformCommandTests {
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
