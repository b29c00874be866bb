import CCKMCore
import CCKMStore
import GRDB
import Synchronization

/// A write the engine takes: its handler, run in a savepoint of the batch's transaction, and what
/// the batch needs to know of it. Made by the engine's command constructors (`Engine+Commands`).
package struct Command<Output: Sendable>: Sendable {
    /// The jobs the handler judges as they stand (a cancel's job, the family of a start that must
    /// not run beside another): the batch first fires what fell due of those, and only those.
    package var judges: [JobStore.CurrentJobs] = []
    /// Whether the handler may change a job (a login does not): a batch of writes that change none
    /// leaves the cached answers alone.
    package var changesJobs = true
    /// Written on the sessions' own writer (a login, a revocation), not the jobs'.
    package var onSessions = false
    /// The write, inside the batch's transaction.
    package let handle: @Sendable (Database) throws -> Output
}

/// Group commit on GRDB's own writer: commands that arrive together are written in one
/// transaction (one WAL commit instead of one each), each in its own savepoint so one failure
/// leaves the others alone. Each finishes after the commit, so an acknowledged start is on disk.
/// A caller hands the command over and is called back; one that answers at once (the control
/// API, the scheduler's resources) has it written alone, waiting as for any GRDB write (`writeNow`).
///
/// The batches run in `asyncWriteWithoutTransaction` blocks, one batch a block: what else waits for
/// the writer (a tick's next chunk, a control call) gets its turn between two batches.
///
/// `inline` writes each command at once on the caller's thread, a batch of one, through the same
/// code: what an in-process app uses, so its tests run the path the live server runs.
package final class CommandQueue: Sendable {
    private struct Item: Sendable {
        /// The handler; returns how to tell the caller, called after the commit.
        package let run: @Sendable (Database) throws -> @Sendable () -> Void
        package let fail: @Sendable (any Error) -> Void
        package let judges: [JobStore.CurrentJobs]
        package let changesJobs: Bool
    }

    private let store: any TransactionalStore
    private let inline: Bool
    /// Runs first in a batch whose commands judge jobs, with those (conflicts are judged on current
    /// state). Only those: bringing every job to now would make each batch's transaction as long
    /// as the work that fell due, and every login or start behind it would wait for it.
    private let prepare: @Sendable (Database, [JobStore.CurrentJobs]) throws -> [JobEvent]
    /// Runs after every batch with what `prepare` fired.
    private let finished: @Sendable ([JobEvent]) -> Void
    private let pending = Mutex(DrainState<Item>())

    package init(
        store: any TransactionalStore, inline: Bool, prepare: @escaping @Sendable (Database, [JobStore.CurrentJobs]) throws -> [JobEvent],
        finished: @escaping @Sendable ([JobEvent]) -> Void
    ) {
        self.store = store
        self.inline = inline
        self.prepare = prepare
        self.finished = finished
    }

    private static func item<Output>(_ command: Command<Output>, finish: @escaping @Sendable (Result<Output, any Error>) -> Void) -> Item {
        Item(
            run: { db in
                let output = try command.handle(db)
                return { finish(.success(output)) }
            }, fail: { finish(.failure($0)) }, judges: command.judges, changesJobs: command.changesJobs)
    }

    /// The command written now, a batch of one, on the writer as the caller waits for it (as for
    /// any GRDB write: the writer's queue, no semaphore); its output, or the error.
    package func writeNow<Output>(_ command: Command<Output>) throws -> Output {
        let result = Mutex<Result<Output, any Error>?>(nil)
        let item = Self.item(command) { outcome in result.withLock { $0 = outcome } }
        store.database.writeWithoutTransaction { db in write([item], db) }
        return try result.withLock { $0! }.get()
    }

    /// Queues the command; `finish` gets its output once it is on disk, or the error.
    package func submit<Output>(_ command: Command<Output>, finish: @escaping @Sendable (Result<Output, any Error>) -> Void) {
        let item = Self.item(command, finish: finish)
        if inline {
            store.database.writeWithoutTransaction { db in write([item], db) }
            return
        }
        if pending.withLock({ $0.submit(item) }) { drainLater() }
    }

    private func drainLater() {
        store.database.asyncWriteWithoutTransaction { db in self.drainOnce(db) }
    }

    private func drainOnce(_ db: Database) {
        let batch = pending.withLock { $0.takeBatch() }
        guard !batch.isEmpty else { return }
        write(batch, db)
        // The next batch, if one came meanwhile, behind whatever else waits for the writer.
        if pending.withLock({ $0.batchWritten() }) { drainLater() }
    }

    private func write(_ batch: [Item], _ db: Database) {
        var replies: [Result<@Sendable () -> Void, any Error>] = []
        var events: [JobEvent] = []
        do {
            let current = batch.flatMap(\.judges)
            try store.transaction(db, changingJobs: !current.isEmpty || batch.contains { $0.changesJobs }) { db in
                replies = []
                events = current.isEmpty ? [] : try prepare(db, current)
                for item in batch {
                    do {
                        var reply: (@Sendable () -> Void)?
                        try db.inSavepoint {
                            reply = try item.run(db)
                            return .commit
                        }
                        replies.append(.success(reply ?? {}))
                    } catch {
                        // A full disk (or I/O error) can make SQLite roll back the whole transaction:
                        // then the batch fails as one, and `transaction` gets to retry it or say why.
                        if !db.isInsideTransaction { throw error }
                        replies.append(.failure(StoreError.translated(error)))
                    }
                }
            }
        } catch {
            replies = batch.map { _ in .failure(error) }
            events = []
        }
        finished(events)
        for (item, reply) in zip(batch, replies) {
            switch reply {
            case .success(let tell): tell()
            case .failure(let error): item.fail(error)
            }
        }
    }
}

/// The group commit's bookkeeping, with no I/O: when a drain must be scheduled and what each
/// drain takes. At most one drain is scheduled or running at a time; an item submitted while one
/// is goes with its next batch; a queue left empty has none scheduled (the next submit schedules one).
package struct DrainState<Item> {
    package private(set) var items: [Item] = []
    /// Whether a drain is scheduled or running.
    package private(set) var draining = false

    package init() {}

    /// Queues `item`; true when the caller must schedule a drain (none was).
    package mutating func submit(_ item: Item) -> Bool {
        items.append(item)
        defer { draining = true }
        return !draining
    }

    /// A drain's batch: every item queued. An empty one ends the drain.
    package mutating func takeBatch() -> [Item] {
        let batch = items
        items = []
        if batch.isEmpty { draining = false }
        return batch
    }

    /// After a batch is written: true when more came meanwhile and another drain must be
    /// scheduled; otherwise the drain ends.
    package mutating func batchWritten() -> Bool {
        if items.isEmpty { draining = false }
        return draining
    }
}
