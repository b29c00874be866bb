import Synchronization

/// Told of every commit of the store (`JobStore.transaction`), for those that would otherwise poll
/// it: the simulator on the system clock sleeps until the next due time or the next commit, so an
/// idle server uses no CPU (it ticked every 20 ms, 3.5-8.5 % of a core doing nothing).
package final class CommitSignal: Sendable {
    private struct State {
        var commits = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Commits so far.
    package var commits: Int { state.withLock { $0.commits } }

    package func signal() {
        let waiting = state.withLock { state in
            state.commits += 1
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns once a commit past `seen` happened, or `limit` passed, or the task is cancelled.
    package func wait(after seen: Int, upTo limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: limit) }
            group.addTask { await self.commit(after: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    private func commit(after seen: Int) async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.commits > seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
