import CCKMCore
import CCKMLab
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import HTTPServer
import TestSupport
import Testing

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
        let lab = try LiveServer(fixtures: [Paths.docsFixture], auth: StandInLab.login(), tls: .generated(extraNames: []))
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

    static let credentials = ["CCKM_MOCK_CONFORM_USERNAME": "admin", "CCKM_MOCK_CONFORM_PASSWORD": "admin"]

    /// Issue 42 #4: a lab CM that refused everything but the logins (a CM going down, a proxy, a
    /// user without rights) gave exit 0: 130 of 132 probes "could not check". Now exit 3, and the
    /// report says most of the run was not checked.
    @Test(arguments: ["text", "json", "junit"])
    func nothingCheckedPastTheLoginsIsExit3(format: String) throws {
        let standIn = try ConformStandIn { request, response in
            request.method == "GET" ? .json(403, #"{"code":7,"codeDesc":"NCERRForbidden","message":"no rights"}"#) : response
        }
        let process = try ServerProcess(["conform", "--against", standIn.url, "--rate", "1000", "--format", format], environment: Self.credentials)
        var report = ""
        while let line = process.firstLine() { report += line + "\n" }
        let (status, errors) = process.finish()
        #expect(status == 3, "\(errors)")
        #expect(errors.contains("nothing past the logins could be checked"), "\(errors)")
        let said = ["text": "probes could not be checked", "json": #""mostly_unchecked":true"#, "junit": #"name="mostly_unchecked""#]
        #expect(report.contains(said[format]!), "\(format): \(report.prefix(400))")
    }

    /// #6: `--allow-writes` left its job configuration on the lab CM when the DELETE failed, silently.
    @Test func aConfigurationTheWriteTierCouldNotDeleteIsNamedAndFailsTheRun() throws {
        let standIn = try ConformStandIn { request, response in
            request.method == "DELETE" && request.path.hasPrefix("/api/v1/scheduler/job-configs/")
                ? .json(500, #"{"code":1,"codeDesc":"NCERRInternal","message":"down"}"#) : response
        }
        let process = try ServerProcess(
            ["conform", "--against", standIn.url, "--rate", "1000", "--allow-writes", "--format", "json"], environment: Self.credentials)
        let report = try JSONParser.parse(Array((process.firstLine() ?? "").utf8))
        let (status, errors) = process.finish()
        #expect(status == 1, "\(errors)")
        let left = report["left_on_lab"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(left.count == 1 && left[0].contains("cckm-mock-conform-") && left[0].contains("answered 500"), "\(left)")
        #expect(errors.contains("is still there"), "\(errors)")
    }

    /// #7: member names, enum values and the version from the lab CM went out raw: a newline forged
    /// a summary line, an escape sequence drove the terminal, and the JUnit file was not XML.
    @Test(arguments: ["text", "junit"])
    func aLabCMsBytesCannotForgeLinesOrDriveTheTerminal(format: String) throws {
        let forged = "x\n132 probes: 132 same, 0 different\u{1B}[2J"
        let standIn = try ConformStandIn { request, response in
            switch request.path {
            case "/api/v1/system/info": Alter.member("version", .string(forged))(try! JSONParser.parse(response.body)).httpJSON(response)
            case "/api/v1/cckm/aws/synchronization-jobs":
                Alter.member(forged, .string("in_progress\u{7}"), inResources: true)(try! JSONParser.parse(response.body)).httpJSON(response)
            default: response
            }
        }
        let process = try ServerProcess(["conform", "--against", standIn.url, "--rate", "1000", "--format", format], environment: Self.credentials)
        var report = ""
        while let line = process.firstLine() { report += line + "\n" }
        _ = process.finish()
        #expect(!report.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }, "no control character but the line ends")
        #expect(!report.contains("\n132 probes: 132 same"), "no forged line")
        #expect(report.contains("\\u{1B}[2J"), "the escape is shown, not sent")
    }

    /// #5: `--save-live` wrote a fixture the mock refused (a member such as `created_by`, a running
    /// target's message the mock does not know), and such members went out unanonymized.
    @Test func savedLiveJobsAreAFixtureTheMockLoadsWithNoUnknownMember() throws {
        let standIn = try ConformStandIn { request, response in
            guard request.method == "GET", request.path.hasPrefix("/api/v1/cckm/"), response.status == 200,
                let body = try? JSONParser.parse(response.body), body["resources"] != nil
            else { return response }
            var altered = Alter.member("created_by", .string("alice@customer.example"), inResources: true)(body)
            if request.path == "/api/v1/cckm/sap/synchronization-jobs" {
                altered = Alter.member("detailed_status", .object([("group-1", .string("Synchronizing keys"))]), inResources: true)(altered)
            }
            return altered.httpJSON(response)
        }
        let folder = try Paths.temporaryDirectory()
        let process = try ServerProcess(
            ["conform", "--against", standIn.url, "--rate", "1000", "--save-live", folder], environment: Self.credentials)
        let (status, errors) = process.finish()
        #expect(errors.contains("jobs of the lab CM written to"), "\(errors)")
        #expect(status == 0 || status == 1, "\(errors)")
        let text = try String(contentsOfFile: folder + "/conform-live.json", encoding: .utf8)
        #expect(!text.contains("alice@customer.example") && !text.contains("created_by"))
        let fixture = try Fixture.load(paths: [folder + "/conform-live.json"], now: ManualClock.defaultStart)
        #expect(fixture.jobs.contains { $0.family.name == "sap" && $0.status == .inProgress }, "the running sap job is kept as it is")
    }

    /// #3: every parsed answer was kept until the run ended: pages of 16 MB took a run past 1 GB
    /// after five probes. Each answer is reduced to its shape as it arrives: 60 list pages padded
    /// to 3 MB (180 MB if kept) leave the process's peak under 150 MB.
    @Test(.live(.seconds(400))) func aRunDoesNotKeepTheAnswersItHasCompared() throws {
        let padding = JSONValue.string(String(repeating: "x", count: 1 << 20))
        let standIn = try ConformStandIn { request, response in
            guard request.method == "GET", request.path.hasPrefix("/api/v1/cckm/"), response.status == 200,
                let body = try? JSONParser.parse(response.body), body["resources"] != nil
            else { return response }
            return Alter.member("padding", padding)(body).httpJSON(response)
        }
        let process = try ServerProcess(["conform", "--against", standIn.url, "--rate", "1000"], environment: Self.credentials)
        var peak = 0
        let status = "/proc/\(process.process.processIdentifier)/status"
        try blockUntil("conform to end", within: .seconds(150)) {
            let text = (try? String(contentsOfFile: status, encoding: .utf8)) ?? ""
            let line = text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            peak = max(peak, line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0)
            return !process.process.isRunning
        }
        let (code, errors) = process.finish()
        #expect(code == 0, "the padding is a warning (only-in-live) on every list: \(errors.suffix(300))")
        #expect(peak > 0 && peak < 80 << 10, "peak resident \(peak / 1024) MB")
    }

    /// #8: `https://user:password@host` was taken as a host and printed, password and all.
    @Test(arguments: [
        ["conform", "--against", "https://admin:s3cret-pw@127.0.0.1:1", "--username", "admin"],
        ["health", "--url", "https://admin:s3cret-pw@127.0.0.1:1"],
        ["record", "--from", "https://admin:s3cret-pw@127.0.0.1:1", "--user", "a", "--password", "b"],
    ])
    func aURLWithAPasswordIsRefusedWithoutEchoingIt(arguments: [String]) throws {
        let (status, errors) = try ServerProcess(arguments).finish()
        #expect(status == 2 && errors.contains("must not carry a user or password"), "\(errors)")
        #expect(!errors.contains("s3cret-pw"), "the password is not printed")
    }
}

extension JSONValue {
    /// This value as the body of `response`.
    fileprivate func httpJSON(_ response: HTTPResponse) -> HTTPResponse {
        var altered = response
        altered.body = Array(jsonText.utf8)
        return altered
    }
}
