import Foundation

/// Files of the repository the core's tests read as data.
enum CorePaths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .path
    static let docsFixture = repository + "/fixtures/docs-examples.json"
}
