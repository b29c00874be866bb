import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

/// Issue 41: a suite without a `TestBudget` runs its bodies on the cooperative pool and its servers
/// without a slot, which is how the suite hung on a busy machine. Every suite of every test target
/// names one.
@Suite(.inProcess()) struct SuiteBudgetTests {
    @Test func everySuiteHasABudget() throws {
        let tests = Paths.repository + "/Tests"
        let files = try #require(FileManager.default.enumerator(atPath: tests)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var suites = 0
        for file in files where !file.hasPrefix("TestSupport/") {
            let text = try String(contentsOfFile: tests + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains("@Suite") && !line.contains("///") {
                suites += 1
                #expect(line.contains("@Suite(.inProcess(") || line.contains("@Suite(.live("), "\(file): \(line)")
            }
        }
        #expect(suites > 70, "found \(suites) suites")
    }
}
