import Synchronization

/// How far a fixture load has come, told as it goes, and the way to stop it: a JSON Lines file of
/// a million jobs takes seconds to load, and a user must be able to tell a load from a hang and
/// to stop it cleanly (`cancel()`: the load stops after the batch in hand, and its transaction
/// stores nothing).
public final class LoadProgress: Sendable {
    /// One report: a file begun, a batch of it stored, or the file done.
    public struct Step: Sendable {
        public let path: String
        /// Jobs of this file stored so far.
        public let jobs: Int
        /// Bytes of this file read so far, and its size.
        public let bytes: Int
        public let totalBytes: Int
        public let elapsed: Duration
        public let finished: Bool

        public init(path: String, jobs: Int, bytes: Int, totalBytes: Int, elapsed: Duration, finished: Bool) {
            self.path = path
            self.jobs = jobs
            self.bytes = bytes
            self.totalBytes = totalBytes
            self.elapsed = elapsed
            self.finished = finished
        }
    }

    private let report: @Sendable (Step) -> Void
    private let cancelled = Atomic<Bool>(false)
    private let streamed = Atomic<Int>(0)
    /// What else a cancel does: interrupt SQLite's statement in hand (an index build of a
    /// million jobs takes seconds, and no batch boundary comes in it).
    private let onCancel = Mutex<(@Sendable () -> Void)?>(nil)

    public init(report: @escaping @Sendable (Step) -> Void) {
        self.report = report
    }

    /// Stops the load in hand after its current batch, or at once where it is in SQLite (a
    /// signal handler may call it).
    public func cancel() {
        cancelled.store(true, ordering: .relaxed)
        onCancel.withLock { $0 }?()
    }

    /// Runs `action` on a cancel while `body` runs (at once if cancelled already).
    package func whileRunning<T>(onCancel action: @escaping @Sendable () -> Void, _ body: () throws -> T) rethrows -> T {
        onCancel.withLock { $0 = action }
        defer { onCancel.withLock { $0 = nil } }
        if isCancelled { action() }
        return try body()
    }

    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Jobs stored from JSON Lines files so far, every file together.
    public var streamedJobs: Int { streamed.load(ordering: .relaxed) }

    package func told(_ step: Step, added: Int) throws(LoadCancelled) {
        streamed.add(added, ordering: .relaxed)
        report(step)
        if isCancelled { throw LoadCancelled() }
    }
}

/// A load stopped by `LoadProgress.cancel()`; its transaction stored nothing.
public struct LoadCancelled: Error, CustomStringConvertible {
    package init() {}

    public var description: String { "load cancelled, no job of it stored" }
}
