import Dispatch
import GRDB
import Synchronization

/// Group commit: starts and cancels that arrive together are written in one transaction (one WAL
/// commit instead of one each), each in its own savepoint so one failure leaves the others alone.
/// Each finishes after the commit, so an acknowledged start is on disk. Callers are not held
/// meanwhile: they hand the work over and are called back.
///
/// `inline` writes each item at once on the caller's thread, a batch of one, through the same
/// code: what an in-process app uses, so its tests run the path the live server runs.
final class WriteBatcher: Sendable {
    struct Item: Sendable {
        /// The write, inside the batch's transaction; returns the job's JSON.
        let work: @Sendable (Database) throws -> String
        /// Called once, after the commit (or the failure).
        let finish: @Sendable (Result<String, any Error>) -> Void
        /// The jobs the work judges as they stand (a cancel's job, the family of a start that must
        /// not run beside another): the batch first fires what fell due of those, and only those.
        /// A login, or a start that may run beside others, names none.
        var current: [JobStore.CurrentJobs] = []
        /// Whether the work may change a job (a login does not): a batch of writes that change none
        /// leaves the cached answers alone.
        var changesJobs = true
    }

    private let store: JobStore
    private let inline: Bool
    /// Runs first in a batch whose items name jobs they judge, with those (conflicts are judged on
    /// current state). Only those: bringing every job to now was most of a batch's transaction
    /// while many fell due (logins beside 160,000 running jobs: p99 0.5-1.1 s; starts and cancels
    /// on a loaded store: 523/s, p99 691 ms).
    private let prepare: @Sendable (Database, [JobStore.CurrentJobs]) throws -> [JobEvent]
    /// Runs after every batch with what `prepare` fired (waiters).
    private let finished: @Sendable ([JobEvent]) -> Void
    private let queue = DispatchQueue(label: "cckm-mock.writes")
    private let pending = Mutex<(items: [Item], draining: Bool)>(([], false))

    init(
        store: JobStore, inline: Bool, prepare: @escaping @Sendable (Database, [JobStore.CurrentJobs]) throws -> [JobEvent],
        finished: @escaping @Sendable ([JobEvent]) -> Void
    ) {
        self.store = store
        self.inline = inline
        self.prepare = prepare
        self.finished = finished
    }

    func submit(_ item: Item) {
        if inline {
            write([item])
            return
        }
        let start = pending.withLock { state -> Bool in
            state.items.append(item)
            defer { state.draining = true }
            return !state.draining
        }
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            let batch = pending.withLock { state -> [Item] in
                let items = state.items
                state.items = []
                if items.isEmpty { state.draining = false }
                return items
            }
            guard !batch.isEmpty else { return }
            write(batch)
        }
    }

    private func write(_ batch: [Item]) {
        var results: [Result<String, any Error>] = []
        var events: [JobEvent] = []
        do {
            let current = batch.flatMap(\.current)
            try store.write(changingJobs: !current.isEmpty || batch.contains { $0.changesJobs }) { db in
                results = []
                events = current.isEmpty ? [] : try prepare(db, current)
                for item in batch {
                    do {
                        var document = ""
                        try db.inSavepoint {
                            document = try item.work(db)
                            return .commit
                        }
                        results.append(.success(document))
                    } catch {
                        // A full disk (or I/O error) can make SQLite roll back the whole transaction:
                        // then the batch fails as one, and `write` gets to retry it or say why.
                        if !db.isInsideTransaction { throw error }
                        results.append(.failure(StoreError.translated(error)))
                    }
                }
            }
        } catch {
            results = batch.map { _ in .failure(error) }
            events = []
        }
        finished(events)
        for (item, result) in zip(batch, results) { item.finish(result) }
    }
}
