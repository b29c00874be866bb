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

    /// Runs `body` (a load) with SIGINT, SIGTERM and SIGHUP cancelling `progress` instead of
    /// ending the process at once (`StopSignals`).
    static func cancellingOnSignals<T>(_ progress: LoadProgress, _ body: () throws -> T) rethrows -> T {
        let signals = StopSignals(progress)
        defer { signals.cancel() }
        return try body()
    }

    private static func megabytes(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MB" : "\(max(1, bytes >> 10)) KB"
    }
}
