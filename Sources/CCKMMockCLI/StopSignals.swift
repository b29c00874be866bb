import CCKMCore
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP from the first instant of a start-up until whatever serves next
/// has its own handlers: each cancels `progress` (the load stops after its batch in hand, or at
/// once in SQLite's statement, and stores nothing) and runs the stop `then` names, once one is
/// named (the service group's graceful shutdown). A signal at any moment of a start-up stops the
/// process; none is lost between the load's end and the service group's start. The signals stay
/// ignored but for libdispatch's sources after `cancel()`, as the service group wants them
/// (setting SIG_DFL again here undid its trap).
final class StopSignals: @unchecked Sendable {  // `sources` is set once; a DispatchSource is cancelled from any thread.
    private final class Stop: Sendable {
        let action = Mutex<(@Sendable () -> Void)?>(nil)
    }

    private let sources: [any DispatchSourceSignal]
    private let stop = Stop()

    init(_ progress: LoadProgress) {
        let stop = self.stop
        sources = [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                progress.cancel()
                stop.action.withLock { $0 }?()
            }
            source.resume()
            return source
        }
    }

    /// What a signal does from now on besides cancelling the load; run at once if one came already.
    func then(_ action: @escaping @Sendable () -> Void, ifAlreadySignalled signalled: Bool) {
        stop.action.withLock { $0 = action }
        if signalled { action() }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
