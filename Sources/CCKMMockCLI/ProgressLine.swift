import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A line of progress on standard error for long work (a load, `fixtures generate`): on a
/// terminal one line rewritten in place at most ten times a second; otherwise, as in a log, a line
/// at most every 5 seconds. The first and the last are always shown.
final class ProgressLine: Sendable {
    let terminal: Bool
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.terminal = terminal
    }

    func show(_ text: @autoclosure () -> String, first: Bool = false, final: Bool = false) {
        let now = ContinuousClock.now
        let interval: Duration = terminal ? .milliseconds(100) : .seconds(5)
        let due = last.withLock { last -> Bool in
            guard first || final || last.map({ now - $0 >= interval }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        if terminal {
            writeAll("\r\u{1B}[K" + text() + (final ? "\n" : ""), to: STDERR_FILENO)
        } else {
            writeLine(text(), to: STDERR_FILENO)
        }
    }

    /// `120,000`.
    static func grouped(_ number: Int) -> String {
        var digits = String(number)
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: digits.index(digits.startIndex, offsetBy: index))
            index -= 3
        }
        return digits
    }

    /// A duration in seconds, for rates and times left.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `52,000 jobs/s, about 4 s left` for `done` of `total` after `elapsed`.
    static func pace(done: Int, total: Int, elapsed: Duration) -> String {
        let seconds = max(0.001, Self.seconds(elapsed))
        let rate = Double(done) / seconds
        let left = rate > 0 ? Int((Double(total - done) / rate).rounded(.up)) : 0
        return "\(grouped(Int(rate))) jobs/s, about \(left) s left"
    }
}
