import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// What `serve` shows on standard error while its fixtures load, so that a load of a million jobs
/// is not mistaken for a hang (a `ProgressLine`: jobs, share of the file, rate, time left).
enum LoadReporter {
    static func progress(_ line: ProgressLine = ProgressLine()) -> LoadProgress {
        LoadProgress { step in line.show(describe(step), first: step.bytes == 0, final: step.finished) }
    }

    /// `loading big.jsonl: 120,000 jobs, 38 % of 108 MB, 52,000 jobs/s, about 4 s left`.
    static func describe(_ step: LoadProgress.Step) -> String {
        let name = step.path.split(separator: "/").last.map(String.init) ?? step.path
        let seconds = ProgressLine.seconds(step.elapsed)
        if step.finished {
            return "read \(name): \(ProgressLine.grouped(step.jobs)) jobs in \(String(format: "%.1f", seconds)) s; indexing them next"
        }
        guard step.bytes > 0, step.totalBytes > 0 else { return "loading \(name) (\(megabytes(step.totalBytes)))…" }
        let share = Double(step.bytes) / Double(step.totalBytes)
        let rate = seconds > 0 ? Int(Double(step.jobs) / seconds) : 0
        let left = share > 0 ? Int((seconds / share - seconds).rounded(.up)) : 0
        return "loading \(name): \(ProgressLine.grouped(step.jobs)) jobs, \(Int(share * 100)) % of \(megabytes(step.totalBytes)), "
            + "\(ProgressLine.grouped(rate)) jobs/s, about \(left) s left"
    }

    /// Runs `body` (the start-up's load) with SIGINT, SIGTERM and SIGHUP cancelling `progress`
    /// instead of ending the process at once: the load stops after its batch in hand and stores
    /// nothing. The signals stay ignored but for libdispatch's sources when it returns, as the
    /// service group that serves next wants them (setting SIG_DFL again here undid its trap).
    static func cancellingOnSignals<T>(_ progress: LoadProgress, _ body: () throws -> T) rethrows -> T {
        let signals = [SIGINT, SIGTERM, SIGHUP]
        let sources = signals.map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { progress.cancel() }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        return try body()
    }

    private static func megabytes(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MB" : "\(max(1, bytes >> 10)) KB"
    }
}
