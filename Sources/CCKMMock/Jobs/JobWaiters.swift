import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer
import Synchronization

/// Requests parked on `/__admin/jobs/{id}/wait` until the job reaches a status, told by the engine
/// what changed (`handle`). Parked by job, so
/// that a change to one job looks only at that job's waiters, however many others wait. A timeout answers 408. No thread is held while waiting.
package final class JobWaiters: Sendable {
    package init() {}

    struct Waiter {
        let family: JobFamily
        let domain: String
        let id: String
        let accepts: @Sendable (JobStatus) -> Bool
        let deliver: @Sendable (HTTPResponse?) -> Void
        /// The answer when the job is gone (a reset or restore removed it): a 404 at once, not a
        /// 408 at the full timeout.
        let gone: HTTPResponse

        var key: JobKey { JobKey(family: family.name, id: id) }
    }

    private struct Parked {
        var byJob: [JobKey: [Int: Waiter]] = [:]
        var count = 0
    }

    private let parked = Mutex(Parked())
    private let nextID = Atomic<Int>(0)
    /// Job documents read to check waiters, over the life of this object: what a test of the
    /// indexing counts.
    private let reads = Atomic<Int>(0)

    var count: Int { parked.withLock { $0.count } }
    var documentsRead: Int { reads.load(ordering: .relaxed) }

    /// Parks a waiter; returns its ticket for `expire`.
    func add(_ waiter: Waiter) -> Int {
        let ticket = nextID.add(1, ordering: .relaxed).newValue
        parked.withLock {
            $0.byJob[waiter.key, default: [:]][ticket] = waiter
            $0.count += 1
        }
        return ticket
    }

    /// Answers the waiter with `response` if it is still parked.
    func expire(_ ticket: Int, of job: JobKey, with response: HTTPResponse) {
        take(ticket, of: job)?.deliver(response)
    }

    /// What the engine said changed: the waits on the jobs whose status it moved are looked at (a
    /// start or a cancel alone moves no status: a cancelled job stops later), or every wait.
    package func handle(_ change: Engine.Change, store: StoreReader) {
        guard count > 0 else { return }
        switch change {
        case .jobs(let events): check(jobs: events.map { JobKey(family: $0.family.name, id: $0.jobID) }, store: store)
        case .everything: checkAll(store: store)
        }
    }

    /// Answers the waiters of these jobs whose job now has a status they accept, with the job.
    func check(jobs: some Sequence<JobKey>, store: StoreReader) {
        for job in Set(jobs) {
            guard let waiting = parked.withLock({ $0.byJob[job] }), let first = waiting.first?.value else { continue }
            reads.add(1, ordering: .relaxed)
            let read = Result { try store.documentAndStatus(family: first.family, domain: first.domain, id: first.id) }
            if case .success(nil) = read {
                for (ticket, waiter) in waiting { take(ticket, of: job)?.deliver(waiter.gone) }
                continue
            }
            guard case .success(let found?) = read, let status = found.status else { continue }
            let document = found.document
            for (ticket, waiter) in waiting where waiter.accepts(status) {
                take(ticket, of: job)?.deliver(.json(200, document))
            }
        }
    }

    /// Checks every parked waiter: after a reset, a fixture load or a snapshot restore, which
    /// may change any job.
    func checkAll(store: StoreReader) {
        check(jobs: parked.withLock { Array($0.byJob.keys) }, store: store)
    }

    /// Answers every waiter with `response` (the server is stopping).
    package func releaseAll(with response: HTTPResponse) {
        let all = parked.withLock { parked in
            defer { parked = Parked() }
            return parked.byJob.values.flatMap(\.values)
        }
        for waiter in all { waiter.deliver(response) }
    }

    private func take(_ ticket: Int, of job: JobKey) -> Waiter? {
        parked.withLock { parked in
            guard let waiter = parked.byJob[job]?.removeValue(forKey: ticket) else { return nil }
            if parked.byJob[job]?.isEmpty == true { parked.byJob[job] = nil }
            parked.count -= 1
            return waiter
        }
    }
}
