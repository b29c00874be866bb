#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Files of the repository and the build, found from this source file and the test binary.
package enum Paths {
    package static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    package static let docsFixture = repository + "/fixtures/docs-examples.json"
    package static let docsExamples = repository + "/Tests/CCKMServerTests/DocsExamples"
    /// The `cckm-mock` executable, built next to the test binary.
    package static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/cckm-mock"

    /// A new empty directory, for a test's own database.
    package static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/cckm-mock-test-" + randomName()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private static func randomName() -> String {
        String((0..<12).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }
}
