import Dispatch
import GRDB
import HTTPServer
import Synchronization

/// Group commit for the live server: starts and cancels that arrive together are written in one
/// transaction (one WAL commit instead of one each), each in its own savepoint so one failure
/// leaves the others alone. Answers go out after the commit, so a 201 still means "on disk".
/// The HTTP threads are not held meanwhile: they hand the work over and take the next request.
final class WriteBatcher: Sendable {
    struct Item: Sendable {
        let work: @Sendable (Database) throws -> HTTPResponse
        /// The answer when `work` (or the batch's transaction) fails.
        let fail: @Sendable (any Error) -> HTTPResponse
        let deliver: @Sendable (HTTPResponse) -> Void
    }

    private let store: JobStore
    /// Runs first in every batch (the simulator's tick, so conflicts are judged on current state).
    private let prepare: @Sendable (Database) throws -> [JobEvent]
    /// Runs after every batch with what `prepare` fired (waiters).
    private let finished: @Sendable ([JobEvent]) -> Void
    private let queue = DispatchQueue(label: "cckm-mock.writes")
    private let pending = Mutex<(items: [Item], draining: Bool)>(([], false))

    init(store: JobStore, prepare: @escaping @Sendable (Database) throws -> [JobEvent], finished: @escaping @Sendable ([JobEvent]) -> Void) {
        self.store = store
        self.prepare = prepare
        self.finished = finished
    }

    func submit(_ item: Item) {
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
            var responses: [HTTPResponse] = []
            var events: [JobEvent] = []
            do {
                try store.write { db in
                    responses = []
                    events = try prepare(db)
                    for item in batch {
                        var response: HTTPResponse?
                        do {
                            try db.inSavepoint {
                                response = try item.work(db)
                                return .commit
                            }
                        } catch {
                            response = item.fail(StoreError.translated(error))
                        }
                        responses.append(response ?? item.fail(APIError.internalError()))
                    }
                }
            } catch {
                responses = batch.map { $0.fail(error) }
                events = []
            }
            finished(events)
            for (item, response) in zip(batch, responses) { item.deliver(response) }
        }
    }
}
