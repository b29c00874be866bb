import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// swift-log's lines, in the stream handler's format, through `LineWriter.standardError`: a log
/// call appends to a bounded buffer and returns, so no thread (GRDB's writer, an event loop) ever
/// waits on a standard error that nobody reads, and a reader that went away costs lines, not the
/// process. What the buffer cannot hold is dropped and counted.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let lines: LineWriter

    public init(label: String, level: Logger.Level) {
        self.init(label: label, level: level, writer: .standardError)
    }

    init(label: String, level: Logger.Level, writer: LineWriter) {
        self.label = label
        self.logLevel = level
        self.lines = writer
    }

    /// Lines still buffered go out before the process ends, within a bounded wait.
    public static func flush() {
        LineWriter.standardError.flush()
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let pairs = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        // One line: a message or value with a newline (an SQL statement in an error) stays on it.
        let line = "\(Self.timestamp()) \(event.level) \(label):\(pairs.isEmpty ? "" : " " + pairs) [\(event.source)] \(event.message)"
        lines.write(line.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n"))
    }

    /// `2026-12-06T03:30:16+0000`, as swift-log's stream handler writes it.
    private static func timestamp() -> String {
        var seconds = time(nil)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
