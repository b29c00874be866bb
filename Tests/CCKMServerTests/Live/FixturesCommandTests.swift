import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `cckm-mock fixtures …` as a process.
@Suite(.live()) struct FixturesCommandTests {
    @Test func validateReportsEveryProblemAndFails() throws {
        let directory = try Paths.temporaryDirectory()
        let bad = directory + "/bad.json"
        _ = FileManager.default.createFile(atPath: bad, contents: Data(#"{"jobs":[{"family":"aws","id":"nope","createdAt":"x"}]}"#.utf8))
        let process = try ServerProcess(["fixtures", "validate", bad, Paths.docsFixture])
        let lines = [process.firstLine(), process.firstLine()]
        let (status, errors) = process.finish()
        #expect(status == 1 && errors == "2 problem(s) found\n")
        #expect(lines[0] == "\(bad):1:31: $.jobs[0].id: \"nope\" is not a UUID")
        #expect(lines[1]?.hasPrefix("\(bad):1:50: $.jobs[0].createdAt: \"x\" is not an RFC 3339 time") == true)
    }

    /// Issue 43 #6: `validate` on a JSON Lines file of 100,000 jobs ran 19 s saying nothing, and
    /// its summary did not count the file's jobs.
    @Test(.live(.seconds(240))) func validateSaysHowFarItIsAndCountsTheJobsOfJSONLines() throws {
        let generated = try ServerProcess(["fixtures", "generate", "12000", "--seed", "4"])
        var lines: [String] = []
        while let line = generated.firstLine() { lines.append(line) }
        #expect(generated.finish().status == 0)
        let file = try Paths.temporaryDirectory() + "/big.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let process = try ServerProcess(["fixtures", "validate", file, Paths.docsFixture])
        let summary = process.firstLine()
        let (status, errors) = process.finish()
        #expect(status == 0 && summary == "ok: 2 file(s), 6 job(s) (and 12,000 in 1 JSON Lines file(s))", "\(summary ?? "")")
        #expect(errors.contains("checking big.jsonl: ") && errors.contains("checked big.jsonl in "), "\(errors)")
    }

    @Test func validateAcceptsTheShippedScenarios() throws {
        let names = ["docs-examples", "happy-path", "partial-failures", "cancel-race", "tenants"]
        let process = try ServerProcess(["fixtures", "validate"] + names.map { Paths.repository + "/fixtures/\($0).json" })
        #expect(process.firstLine() == "ok: 5 file(s), 25 job(s)")
        #expect(process.finish().status == 0)
    }

    @Test func generateWritesValidJSONLines() throws {
        let process = try ServerProcess(["fixtures", "generate", "30", "--seed", "5"])
        var lines: [String] = []
        while let line = process.firstLine() { lines.append(line) }
        #expect(process.finish().status == 0 && lines.count == 30)
        let families = Set(try lines.map { try JSONParser.parse($0)["family"]?.stringValue ?? "" })
        #expect(families.count == 14)
        // Issue 43 #8: an AWS job's targets are named as CM names them, `<account>/<region>`, and
        // its regions list holds those regions (they were `kms-19`).
        for line in lines {
            let job = try JSONParser.parse(line)
            guard job["family"]?.stringValue == "aws" else { continue }
            let keys = job["detailed_status"]?.objectValue?.map(\.key) ?? []
            let regions = job["regions"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(!keys.isEmpty && keys.map { String($0.split(separator: "/").last ?? "") } == regions, "\(keys) \(regions)")
            #expect(keys.allSatisfy { $0.split(separator: "/").first.map { $0.count == 12 && $0.allSatisfy(\.isNumber) } == true }, "\(keys)")
        }
        let directory = try Paths.temporaryDirectory()
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/g.jsonl", atomically: true, encoding: .utf8)
        #expect(try ServerProcess(["fixtures", "validate", directory + "/g.jsonl"]).finish().status == 0)
    }
}
