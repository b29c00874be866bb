import CCKMCore
import CCKMStore
import GRDB
import Synchronization

/// The one writer: it alone owns the clock, the planner and write access to the store. Every
/// change of the mock's state is one of its commands, and each command's handler is the only code
/// that writes its rows, on GRDB's writer:
/// - **writes** (start, cancel, login, revoke, the scheduler's configurations and runs, a start
///   counted): `Command` values that `CommandQueue` runs in batches, one transaction a batch, a
///   savepoint each (`Engine+Commands.swift`);
/// - **moves** (tick, advance, settle, forced ends, run-now, reset, seed, restore, snapshots): one
///   at a time, each in steps on the writer, a chunk of the one advance a step, so that batches of
///   writes go in between (`Engine+Advance.swift`, `Engine+Fixtures.swift`).
///
/// The rules live in `JobProgress` and `JobPlanner`; the engine sequences them with the store's
/// tables. It tells what changed (`Change`) to whoever listens (the API's parked waits); it knows
/// no HTTP. On the live server the batches are asynchronous; in-process (`groupCommit` off) a
/// write is a batch of one written at once, through the same code.
public final class Engine: Sendable {
    let store: JobStore
    /// Every commit of the store, for those that sleep until the next one.
    package var commits: CommitSignal { store.commits }
    /// The store's read-only face, for everything outside the engine.
    package var reader: StoreReader { store.reader }
    package let clock: any SimulationClock
    package let planner: JobPlanner
    package let queue: CommandQueue
    /// Logins and revocations, on the sessions' own writer: no login waits behind the jobs' batches.
    let sessionQueue: CommandQueue
    /// Told after every change that may move a job's status.
    package let changed: @Sendable (Change) -> Void
    /// Where fixture loads report how far they are, and how they are stopped (nil: they don't).
    public let loadProgress = Mutex<LoadProgress?>(nil)
    /// One move at a time: advances, ticks, settles, forced ends, run-nows, resets, seeds,
    /// restores and snapshots. Two advances of 600 s each read the same "now" and moved the clock
    /// 600 s in all, ran one due minute twice, and a restore during an advance was undone when the
    /// advance set its target. Not reentrant: what runs inside calls the `…Unserialized` forms (a
    /// settle ticks, a run-now ticks).
    private let turn = Mutex(())
    /// The prepared scenario the store was made from, which a reset to the fixtures copies back.
    let prepared = Mutex<PreparedImage?>(nil)
    /// The clock at the start: where a full reset puts a manual clock back.
    package let startedAt: Timestamp

    /// What changed, for those who wait on jobs.
    package enum Change: Sendable {
        /// These transitions happened.
        case jobs([JobEvent])
        /// Any job may have changed or gone (a reset, a fixture load, a restore).
        case everything
    }

    init(
        store: JobStore, clock: any SimulationClock, planner: JobPlanner, groupCommit: Bool = false,
        changed: @escaping @Sendable (Change) -> Void = { _ in }
    ) {
        self.store = store
        self.clock = clock
        startedAt = clock.now()
        self.planner = planner
        self.changed = changed
        sessionQueue = CommandQueue(store: store.sessionStore, inline: !groupCommit, prepare: { _, _ in [] }, finished: { _ in })
        queue = CommandQueue(
            store: store, inline: !groupCommit,
            // A batch first brings the jobs its writes judge to now, so a conflict check sees their
            // current state; each scope once.
            prepare: { db, scopes in
                let now = clock.now()
                var seen: [JobStore.CurrentJobs] = []
                var events: [JobEvent] = []
                for scope in scopes where !seen.contains(scope) {
                    seen.append(scope)
                    events += try store.advance(to: now, limit: -1, db, only: scope, inventory: planner.currentRules.inventory).events
                }
                return events
            },
            finished: { events in if !events.isEmpty { changed(.jobs(events)) } })
    }

    public var settings: SimulatorSettings { planner.settings }

    /// How fast simulated time runs from now on (`POST /__admin/clock`).
    package func setTimeScale(_ scale: Double) {
        planner.setTimeScale(scale)
    }

    /// `body` with the clock to itself.
    package func oneAtATime<T: Sendable>(_ body: () throws -> T) throws -> T {
        try turn.withLock { _ in try body() }
    }

    /// `body` on GRDB's writer, outside any transaction: one step of a move. Its writes go through
    /// `JobStore.transaction`. Batches of writes queued meanwhile run before the next step.
    package func onWriter<T>(_ body: (Database) throws -> T) throws -> T {
        try store.database.writeWithoutTransaction(body)
    }

    /// One step of a move that is one transaction: `body` in `JobStore.transaction` on the writer.
    package func inTransaction<T>(changingJobs: Bool = true, _ body: (Database) throws -> T) throws -> T {
        try onWriter { db in try store.transaction(db, changingJobs: changingJobs, body) }
    }

    /// A write's command, written alone now; returns its output once it is on disk. For callers
    /// that answer at once (the control API, the scheduler's resources, start-up).
    package func perform<Output: Sendable>(_ command: Command<Output>) throws -> Output {
        try queue(for: command).writeNow(command)
    }

    /// The one door for writes answered later: the command goes with the next batch, and
    /// `finish` gets its output once it is on disk, or the error.
    package func submit<Output: Sendable>(_ command: Command<Output>, finish: @escaping @Sendable (Result<Output, any Error>) -> Void) {
        queue(for: command).submit(command, finish: finish)
    }

    /// The sessions' queue for a login or a revocation, the jobs' for everything else.
    private func queue<Output>(for command: Command<Output>) -> CommandQueue {
        command.onSessions ? sessionQueue : queue
    }

    /// When a cancel asked now stops its job.
    package func cancelTimes() -> (now: Timestamp, stopAt: Timestamp) {
        let now = clock.now()
        return (now, now.adding(seconds: settings.scaled(settings.cancelDelay)).roundedToMicroseconds)
    }

    /// Tells the listener about transitions, if there were any.
    package func tell(_ events: [JobEvent]) {
        if !events.isEmpty { changed(.jobs(events)) }
    }
}
