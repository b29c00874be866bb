import HTTPServer
import Synchronization

/// Requests parked on `/__admin/jobs/{id}/wait` until the job reaches a status. Checked after every
/// change the mock makes to jobs; a timeout answers 408. No thread is held while waiting.
public final class JobWaiters: Sendable {
    struct Waiter {
        let family: JobFamily
        let domain: String
        let id: String
        let accepts: @Sendable (JobStatus) -> Bool
        let deliver: @Sendable (HTTPResponse?) -> Void
    }

    private let waiters = Mutex<[Int: Waiter]>([:])
    private let nextID = Atomic<Int>(0)

    var count: Int { waiters.withLock { $0.count } }

    /// Parks a waiter; returns its ticket for `expire`.
    func add(_ waiter: Waiter) -> Int {
        let ticket = nextID.add(1, ordering: .relaxed).newValue
        waiters.withLock { $0[ticket] = waiter }
        return ticket
    }

    /// Answers the waiter with `response` if it is still parked.
    func expire(_ ticket: Int, with response: HTTPResponse) {
        waiters.withLock { $0.removeValue(forKey: ticket) }?.deliver(response)
    }

    /// Answers every waiter whose job now has a status it accepts, with the job.
    func check(store: JobStore) {
        let parked = waiters.withLock { $0 }
        for (ticket, waiter) in parked {
            guard let document = try? store.document(family: waiter.family, domain: waiter.domain, id: waiter.id),
                let status = (try? JSONParser.parse(document))?["overall_status"]?.stringValue.flatMap(JobStatus.init(lenient:)),
                waiter.accepts(status)
            else { continue }
            if let waiter = waiters.withLock({ $0.removeValue(forKey: ticket) }) {
                waiter.deliver(.json(200, document))
            }
        }
    }

    /// Answers every waiter with `response` (the server is stopping).
    func releaseAll(with response: HTTPResponse) {
        for waiter in waiters.withLock({ waiters in
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }) {
            waiter.deliver(response)
        }
    }
}
