import CMicroHTTPD
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A total deadline for receiving each request, which libmicrohttpd does not have: its timeout
/// is an idle timer that every byte restarts, so a client sending one byte a second held a
/// connection for ever, and a few thousand of them locked every other client out.
///
/// Each connection carries a `ConnectionWatch` (its socket context). The deadline runs from the
/// accept, from the end of the previous request (kept-alive connections), and from the request
/// line, whichever is earliest, and stops once the request is received whole (the handler's own
/// time is not the client's to pay for). A sweep a few times a
/// second shuts down the socket of any connection past it; libmicrohttpd's own loop then sees the
/// socket end and closes the connection on its thread.
///
/// `@unchecked Sendable`: `timer` is set once in `init` and only cancelled after, which Dispatch
/// allows from any thread; everything else is a `Mutex` or an atomic.
final class ConnectionDeadlines: @unchecked Sendable {
    /// One connection's descriptor and deadline (monotonic nanoseconds; 0 when none runs).
    final class ConnectionWatch: Sendable {
        let descriptor: Int32
        let deadline = Atomic<Int64>(0)

        init(descriptor: Int32) {
            self.descriptor = descriptor
        }

        /// Starts the deadline, or keeps an earlier one already running.
        func start(_ limit: Int64) {
            let proposed = ConnectionDeadlines.now() + limit
            var current = deadline.load(ordering: .relaxed)
            while current == 0 || proposed < current {
                let (exchanged, original) = deadline.compareExchange(expected: current, desired: proposed, ordering: .relaxed)
                if exchanged { return }
                current = original
            }
        }

        func stop() { deadline.store(0, ordering: .relaxed) }
    }

    private let requestLimit: Int64
    private let idleLimit: Int64
    /// Connections by identity. The sweep shuts sockets down under this lock, and libmicrohttpd
    /// tells us a connection closed (removing it here) before it closes the descriptor, so a
    /// descriptor shut down here is never one already reused by another connection.
    private let watched = Mutex<[ObjectIdentifier: ConnectionWatch]>([:])
    private let timer: any DispatchSourceTimer
    /// Connections closed for missing their deadline: for tests and logs.
    let closed = Atomic<Int>(0)

    init(requestTimeoutSeconds: Int, idleTimeoutSeconds: Int) {
        requestLimit = Int64(requestTimeoutSeconds) * 1_000_000_000
        idleLimit = Int64(max(idleTimeoutSeconds, requestTimeoutSeconds)) * 1_000_000_000
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        // A quarter of a second: a deadline is overshot by at most that much.
        timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250), leeway: .milliseconds(50))
        timer.setEventHandler { [weak self] in self?.sweep() }
        timer.activate()
    }

    func stop() { timer.cancel() }

    /// A new connection: its first request must arrive within the request timeout.
    func opened(descriptor: Int32) -> ConnectionWatch {
        let watch = ConnectionWatch(descriptor: descriptor)
        watch.start(requestLimit)
        watched.withLock { $0[ObjectIdentifier(watch)] = watch }
        return watch
    }

    func closed(_ watch: ConnectionWatch) {
        _ = watched.withLock { $0.removeValue(forKey: ObjectIdentifier(watch)) }
    }

    /// The request line arrived: head and body are due within the request timeout.
    func requestStarted(_ watch: ConnectionWatch) { watch.start(requestLimit) }

    /// A request was received whole, or answered before that: what the handler does and the
    /// sending are no longer bounded by it (the sending is libmicrohttpd's idle timer's business).
    func answered(_ watch: ConnectionWatch) { watch.stop() }

    /// A request finished on a kept-alive connection: the next one must start within the idle time.
    func finished(_ watch: ConnectionWatch) { watch.start(idleLimit) }

    private func sweep() {
        let now = Self.now()
        watched.withLock { connections in
            for watch in connections.values {
                let deadline = watch.deadline.load(ordering: .relaxed)
                guard deadline != 0, now > deadline else { continue }
                watch.stop()
                shutdown(watch.descriptor, Int32(SHUT_RDWR))
                closed.add(1, ordering: .relaxed)
            }
        }
    }

    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
