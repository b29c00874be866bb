import Foundation
import Testing

/// The layers as `docs/internals.md` draws them, checked on the sources: a change that writes
/// around the engine, or imports across a layer, fails here rather than in review.
@Suite struct LayerTests {
    static let library = Paths.repository + "/Sources/CCKMMock"

    /// Every Swift file under `folder` of the library, by its path there, with its text.
    static func sources(in folder: String = "") throws -> [(path: String, text: String)] {
        let root = library + (folder.isEmpty ? "" : "/" + folder)
        let paths = try #require(FileManager.default.subpathsOfDirectory(atPath: root) as [String]?)
        return try paths.filter { $0.hasSuffix(".swift") }.sorted().map {
            ((folder.isEmpty ? "" : folder + "/") + $0, try String(contentsOfFile: root + "/" + $0, encoding: .utf8))
        }
    }

    /// Issue 22: the writer's connection is taken in `Engine/` only, so every write to the store
    /// runs in one of the engine's handlers (the store's functions that write take the `Database`
    /// it hands out). Allowed outside it, line by line: the store's log housekeeping (a checkpoint
    /// queued behind a commit; the checkpointer's own connection, which writes no row), its
    /// `transaction` itself, and the bulk load's transactions, opened on the engine's `Database`
    /// because the journal mode changes around them.
    @Test func onlyTheEngineTakesTheWriter() throws {
        // GRDB's ways to the writer, and the store's transaction on it.
        let writes = ["WriteWithoutTransaction", "writeWithoutTransaction", "asyncWrite", ".write {", ".write(", "transaction(db"]
        let housekeeping: Set<String> = ["Store/WALCheckpointer.swift", "Store/JobStore.swift", "Store/JobStore+BulkLoad.swift"]
        var outside: [String] = []
        for (path, text) in try Self.sources() where !path.hasPrefix("Engine/") {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where writes.contains(where: { line.contains($0) }) && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                // The store's housekeeping lines, named one by one so that a new write there still fails.
                if housekeeping.contains(path),
                    line.contains("checkpoint(") || line.contains("try transaction(db) { db in") || line.contains("wal_checkpoint")
                {
                    continue
                }
                // Lines for standard error, not rows: the log's own writer.
                let logLine = path == "Server/LineLogHandler.swift" && line.contains("lines.write(")
                if path.hasPrefix("Generated/") || line.contains("toFile:") || line.contains("LineWriter") || line.contains("Glibc.write") || logLine
                {
                    continue
                }
                outside.append("\(path):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(outside.isEmpty, "writes outside the engine:\n\(outside.joined(separator: "\n"))")
    }

    /// Dependencies point down: the API knows no SQLite, the engine and what is below it know no HTTP.
    @Test func importsPointDown() throws {
        for (path, text) in try Self.sources(in: "API") {
            #expect(!text.contains("import GRDB"), "\(path) imports GRDB")
        }
        for folder in ["Engine", "Store", "Simulation", "Model", "Scheduler"] {
            for (path, text) in try Self.sources(in: folder) {
                #expect(!text.contains("import HTTPServer"), "\(path) imports HTTPServer")
            }
        }
    }
}
