import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A prepared scenario (`PreparedImage`): made once by `cckm-mock fixtures prepare`, then served by
/// copying it, so that a start with a million jobs does not load them again.
extension MockApplication {
    /// What `prepareScenario` made.
    public struct PreparedSummary: Sendable {
        public var jobs: Int
        public var inProgress: Int
        public var bytes: Int
    }

    /// Builds a mock on a new store beside `output` with the fixtures at `paths` and writes that
    /// store, its indexes built, to `output`. The jobs are planned on a clock that stands at the
    /// time of the preparation: those in progress stay in progress, and a start (or a reset) moves
    /// their plans to its own time. The JSON fixtures' texts go with it; each start stores their
    /// scheduler configurations, planned from its own time. Nothing is left at `output` when it fails.
    public static func prepareScenario(
        paths: [String], output: String, settings: SimulatorSettings = SimulatorSettings(), seed: UInt64? = nil,
        progress: LoadProgress? = nil
    ) throws -> PreparedSummary {
        let preparedAt = SystemClock().now()
        if let image = try Fixture.load(paths: paths, now: preparedAt, checkingStreams: false).prepared {
            throw PreparedImage.Refusal(description: "\(image) is a prepared scenario already; prepare from the fixtures it was made of")
        }
        let texts = try Fixture.jsonTexts(paths: paths)
        let folder = try temporaryFolder(beside: output)
        defer { removeFolder(folder) }
        var configuration = MockConfiguration(
            store: .directory(folder), fixtures: paths, simulator: settings, clock: .manual(start: preparedAt), seed: seed, tls: .off)
        configuration.http.threads = 0
        configuration.assembly.signingKey = Array(repeating: 0, count: 32)
        configuration.assembly.locksDataFolder = false
        configuration.assembly.recordsStart = false
        configuration.assembly.storesSchedules = false
        var quiet = Logger(label: "cckm-mock prepare")
        quiet.logLevel = .error
        let application = try build(configuration, logger: quiet, progress: progress)
        let partial = folder + "/prepared.cckm"
        defer { unlink(partial) }
        try application.engine.writePreparedScenario(to: partial, preparedAt: preparedAt, texts: texts)
        // A stop that came during the last statements: nothing is written.
        if progress?.isCancelled == true { throw LoadCancelled() }
        guard rename(partial, output) == 0 else {
            throw PreparedImage.Refusal(description: "cannot write \(output): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        _ = stat(output, &status)
        return PreparedSummary(
            jobs: try application.store.count(), inProgress: try application.store.count(status: .inProgress), bytes: Int(status.st_size))
    }

    /// A new folder for the preparing store beside `output` (`OUTPUT.preparing.XXXXXX`, made new by
    /// `mkdtemp`, never one that was there: a symlink planted at a fixed name would have had the
    /// clean-up delete stores in the folder it points to), so that the copy is renamed into place
    /// on one file system.
    private static func temporaryFolder(beside output: String) throws -> String {
        var template = Array((output + ".preparing.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw PreparedImage.Refusal(description: "cannot make a folder beside \(output): \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    /// Removes what a preparation put in the folder `temporaryFolder` made, and the folder.
    private static func removeFolder(_ folder: String) {
        for name in [JobStore.fileName, SessionStore.fileName, "prepared.cckm"] {
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(folder + "/" + name + suffix) }
        }
        rmdir(folder)
    }
}
