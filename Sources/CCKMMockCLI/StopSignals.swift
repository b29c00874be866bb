import CCKMCore
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP during a load that no service group runs (`fixtures prepare`): each
/// cancels `progress` (the load stops after its batch in hand, or at once in SQLite's statement,
/// and stores nothing) instead of ending the process at once. `serve` needs none: its service
/// group owns the signals from before the load begins.
final class StopSignals: @unchecked Sendable {  // `sources` is set once; a DispatchSource is cancelled from any thread.
    private let sources: [any DispatchSourceSignal]

    init(_ progress: LoadProgress) {
        sources = [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { progress.cancel() }
            source.resume()
            return source
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
