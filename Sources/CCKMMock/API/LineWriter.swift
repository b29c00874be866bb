import CCKMCore
import CCKMEngine
import CCKMStore
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Lines for a file descriptor (standard error: the access log and every log line), written by
/// one writer in batches: a request
/// thread appends its line to a buffer, with no system call and no wake-up; the first line after
/// a quiet spell schedules the writer `interval` later, and it takes all that came meanwhile (a
/// wake-up per line cost more than the `write` it saved). The buffer is bounded: when the descriptor does not keep up, lines are
/// dropped, counted, and the count is written once there is room, so a request never waits on a
/// slow terminal or a full pipe. One `write` per line on the request threads cost a cached list 41 %
/// of its rate.
package final class LineWriter: Sendable {
    private struct Pending {
        var bytes: [UInt8] = []
        var dropped = 0
        /// A drain is scheduled or running: the lines that come meanwhile go with it.
        var scheduled = false
    }

    /// Standard error, with a 4 MB buffer.
    package static let standardError = LineWriter(descriptor: STDERR_FILENO)

    let descriptor: Int32
    /// Bytes the buffer holds at most.
    let limit: Int
    private let pending = Mutex(Pending())
    private let queue = DispatchQueue(label: "cckm-mock.line-writer")
    /// How long lines wait to go out together.
    static let interval = DispatchTimeInterval.milliseconds(5)
    /// Lines dropped since the start, for tests and the report.
    private let droppedInAll = Atomic<Int>(0)

    package init(descriptor: Int32, limit: Int = 4 << 20) {
        self.descriptor = descriptor
        self.limit = limit
    }

    var dropped: Int { droppedInAll.load(ordering: .relaxed) }

    package func write(_ line: String) {
        write(bytes: Array(line.utf8))
    }

    /// A line's bytes, without its newline.
    package func write(bytes line: [UInt8]) {
        let wake = pending.withLock { pending -> Bool in
            guard pending.bytes.count + line.count + 1 <= limit else {
                pending.dropped += 1
                return false
            }
            pending.bytes.append(contentsOf: line)
            pending.bytes.append(0x0A)
            guard !pending.scheduled else { return false }
            pending.scheduled = true
            return true
        }
        if wake { schedule() }
    }

    /// Waits until every line written so far is out (a graceful stop, a test), but no longer than
    /// `limit`: a descriptor nobody reads (a full pipe) must not hold a stop for good.
    @discardableResult
    package func flush(within limit: DispatchTimeInterval = .seconds(2)) -> Bool {
        let done = DispatchSemaphore(value: 0)
        queue.async {
            while self.writeBatch() {}
            done.signal()
        }
        return done.wait(timeout: .now() + limit) == .success
    }

    private func schedule() {
        queue.asyncAfter(deadline: .now() + Self.interval) { self.drain() }
    }

    /// One batch out; then, if more came while it was written, the next one is scheduled.
    private func drain() {
        _ = writeBatch()
        let more = pending.withLock { pending -> Bool in
            pending.scheduled = !pending.bytes.isEmpty || pending.dropped > 0
            return pending.scheduled
        }
        if more { schedule() }
    }

    /// Writes what is buffered; false when there was nothing.
    private func writeBatch() -> Bool {
        let (bytes, dropped) = pending.withLock { pending -> ([UInt8], Int) in
            defer {
                pending.bytes = []
                pending.dropped = 0
            }
            return (pending.bytes, pending.dropped)
        }
        if bytes.isEmpty && dropped == 0 { return false }
        writeAll(bytes)
        if dropped > 0 {
            droppedInAll.add(dropped, ordering: .relaxed)
            writeAll(Array("cckm-mock: \(dropped) log line\(dropped == 1 ? "" : "s") dropped: standard error did not keep up\n".utf8))
        }
        return true
    }

    /// Every byte out, or counted: a non-blocking descriptor that is full (a parent that set
    /// O_NONBLOCK on a shared pipe) is waited on as a blocking one would block, on this writer's
    /// queue; the lines a closed descriptor could not take are counted as dropped (they vanished
    /// uncounted when a write answered EAGAIN).
    private func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            if written < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, 1000)
                continue
            }
            guard written > 0 else {
                let lost = bytes[offset...].reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
                droppedInAll.add(lost, ordering: .relaxed)
                return
            }
            offset += written
        }
    }
}
