import CCKMCore
import CCKMStore
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A prepared scenario (`PreparedImage`): made once by `cckm-mock fixtures prepare`, then served by
/// copying it, so that a start with a million jobs does not load them again.
extension Engine {
    /// What `prepareScenario` made.
    public struct PreparedSummary: Sendable {
        public var jobs: Int
        public var inProgress: Int
        public var bytes: Int
    }

    /// Loads the fixtures at `paths` into a new store beside `output` and writes that store, its
    /// indexes built, to `output`. The jobs are planned on a clock that stands at the time of the
    /// preparation: those in progress stay in progress, and a start (or a reset) moves their plans
    /// to its own time. The JSON fixtures' texts go with it, for their users, domains, inventory,
    /// scripts, simulation and schedules. Nothing is left at `output` when it fails.
    public static func prepareScenario(
        paths: [String], output: String, settings: SimulatorSettings = SimulatorSettings(), seed: UInt64? = nil,
        progress: LoadProgress? = nil
    ) throws -> PreparedSummary {
        let preparedAt = SystemClock().now()
        var fixture = try Fixture.load(paths: paths, now: preparedAt, checkingStreams: false)
        if let image = fixture.prepared {
            throw PreparedImage.Refusal(description: "\(image) is a prepared scenario already; prepare from the fixtures it was made of")
        }
        let texts = try Fixture.jsonTexts(paths: paths)
        // Each start stores the configurations from the texts, planned from its own time.
        fixture.schedules = []
        let folder = try temporaryFolder(beside: output)
        defer { removeFolder(folder) }
        let store = try JobStore(location: .directory(folder), readers: 1)
        let engine = Engine(
            store: store, clock: ManualClock(start: preparedAt), planner: JobPlanner(settings: settings, randomness: Randomness(seed: seed)))
        engine.loadProgress.withLock { $0 = progress }
        try engine.seed(fixture, alone: true)
        let partial = folder + "/prepared.cckm"
        defer { unlink(partial) }
        try engine.onWriter { db in
            try store.transaction(db) { db in
                try store.describePrepared(id: Randomness().uuid(), preparedAt: preparedAt, texts: texts, db)
            }
            try store.writeCopy(to: partial, db)
        }
        // A stop that came during the last statements: nothing is written.
        if progress?.isCancelled == true { throw LoadCancelled() }
        guard rename(partial, output) == 0 else {
            throw PreparedImage.Refusal(description: "cannot write \(output): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        _ = stat(output, &status)
        return PreparedSummary(jobs: try store.reader.count(), inProgress: try store.reader.count(status: .inProgress), bytes: Int(status.st_size))
    }

    /// Takes a prepared scenario's jobs as this store's own: a `:memory:` store takes the file in
    /// whole now; a file store was made from it before it opened (`PreparedImage.install`:
    /// `copiedIntoFolder`), or on an earlier start, whose jobs it keeps. A store new from the file
    /// has the plans of its jobs in progress moved from the preparation's time to now. Later
    /// resets to the fixtures copy the file's rows back.
    package func adopt(_ image: PreparedImage, copiedIntoFolder: Bool) throws {
        try oneAtATime {
            prepared.withLock { $0 = image }
            let inMemory = store.file == nil
            if inMemory { try store.load(image) }
            if inMemory || copiedIntoFolder {
                let offset = clock.now().nanoseconds - image.preparedAt.nanoseconds
                try inTransaction { db in try store.shiftPlans(byNanoseconds: offset, db) }
            }
            changed(.everything)
        }
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
