import Foundation
import Synchronization
import Testing

/// How long each budgeted test ran (from its start, not its time in the queue), appended to the
/// file `CCKM_MOCK_TEST_TIMES` names: what a limit is set from. `scripts/test` keeps it beside
/// its log and prints the tests that came nearest their limits.
final class TestTimes: Sendable {
    static let shared: TestTimes? = ProcessInfo.processInfo.environment["CCKM_MOCK_TEST_TIMES"].flatMap(TestTimes.init(path:))

    private let file: Mutex<FileHandle>

    private init?(path: String) {
        guard FileManager.default.createFile(atPath: path, contents: nil) || FileManager.default.fileExists(atPath: path),
            let handle = FileHandle(forWritingAtPath: path)
        else { return nil }
        handle.seekToEndOfFile()
        file = Mutex(handle)
    }

    /// One line: seconds taken, the limit's seconds, the test's name (and its case's arguments).
    func record(_ test: Test, testCase: Test.Case?, took: Duration, of limit: Duration) {
        let name = test.id.description + (testCase?.isParameterized == true ? " (one case)" : "")
        let line = String(format: "%.2f\t%.0f\t", Self.seconds(took), Self.seconds(limit)) + name.replacingOccurrences(of: "\n", with: " ") + "\n"
        file.withLock { $0.write(Data(line.utf8)) }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
