import Foundation
import Synchronization

/// JSON Lines fixtures: one job object per line, read a batch at a time so that a million jobs
/// load with flat memory. Blank lines and lines starting with `//` are skipped.
package enum JobLines {
    package static let batchSize = 5_000

    /// The file's size, for how far a load is (0 when it cannot be read; the load then says why).
    package static func byteCount(path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    /// Reads every line, reporting every problem (at most 100, then a count); returns how many
    /// jobs the file holds. `progress` hears the jobs and bytes read so far after each batch.
    @discardableResult
    package static func validate(path: String, now: Timestamp, progress: ((_ jobs: Int, _ bytesRead: Int) -> Void)? = nil)
        throws(FixtureError) -> Int
    {
        var problems = Problems()
        var jobs = 0
        do {
            try forEachBatch(path: path, now: now, size: batchSize, prepare: { $0.count }) { count, batchProblems, bytesRead in
                problems.add(batchProblems)
                jobs += count
                progress?(jobs, bytesRead)
            }
        } catch {
            throw FixtureError(problems: ["\(path): cannot read the file: \(error)"])
        }
        try problems.check(path: path)
        return jobs
    }

    /// Calls `consume` with the jobs of each `size` lines, `prepare`d, and the problems of those
    /// lines, in file order. The work is spread over the cores: one thread reads the lines, each
    /// batch is parsed, checked and `prepare`d on a worker of its own (several at once), and
    /// `consume` runs on the caller's thread, a few batches behind the reading. `prepare` must not
    /// depend on the order it is called in (batches run concurrently).
    package static func forEachBatch<Prepared: Sendable>(
        path: String, now: Timestamp, size: Int, prepare: @escaping @Sendable ([(Job, held: Bool)]) -> Prepared,
        consume: (Prepared, _ problems: [String], _ bytesRead: Int) throws -> Void
    ) throws {
        let channel = BatchChannel<ParsedBatch<Prepared>>(capacity: 2 * ProcessInfo.processInfo.activeProcessorCount + 2)
        let reader = Thread {
            do {
                try forEachLineBatch(path: path, size: size) { lines in
                    let parsed = ParsedBatch<Prepared>(bytesRead: lines.bytesRead)
                    DispatchQueue.global().async {
                        let (jobs, problems) = parse(lines, path: path, now: now)
                        parsed.fulfil(prepare(jobs), problems)
                    }
                    guard channel.send(parsed) else { throw CancellationError() }
                }
                channel.finish(error: nil)
            } catch {
                channel.finish(error: error is CancellationError ? nil : error)
            }
        }
        reader.name = "fixture-reader"
        reader.start()
        defer { channel.cancelAndWait() }
        while let parsed = try channel.receive() {
            let (prepared, problems) = parsed.wait()
            try consume(prepared, problems, parsed.bytesRead)
        }
    }

    /// A batch on its way through a worker; `wait` blocks until the worker is done with it.
    package final class ParsedBatch<Prepared: Sendable>: @unchecked Sendable {
        /// Bytes of the file read through the batch's last line.
        package let bytesRead: Int
        private let done = DispatchSemaphore(value: 0)

        package init(bytesRead: Int) { self.bytesRead = bytesRead }
        // Written once by the worker before `done` is signalled, read after waiting on it.
        private var result: (Prepared, [String])?

        package func fulfil(_ prepared: Prepared, _ problems: [String]) {
            result = (prepared, problems)
            done.signal()
        }

        package func wait() -> (Prepared, [String]) {
            done.wait()
            return result!
        }
    }

    /// The problems of a file: the first 100 kept, the rest counted.
    package struct Problems {
        package init() {}

        private var kept: [String] = []
        private var more = 0

        package var isEmpty: Bool { kept.isEmpty }

        package mutating func add(_ problems: [String]) {
            for problem in problems {
                if kept.count < 100 { kept.append(problem) } else { more += 1 }
            }
        }

        /// Throws them all, when there are any.
        package func check(path: String) throws(FixtureError) {
            guard !kept.isEmpty else { return }
            throw FixtureError(problems: kept + (more > 0 ? ["\(path): … and \(more) more problems"] : []))
        }
    }

    /// Lines of a file, `size` at a time: slices of the buffer they were read into.
    package struct LineBatch: Sendable {
        package var firstLineNumber: Int
        package var lines: [ArraySlice<UInt8>]
        /// Bytes of the file through the last of `lines`, its newline included.
        package var bytesRead = 0
    }

    /// Calls `body` with the file's lines, `size` at a time, in order.
    package static func forEachLineBatch(path: String, size: Int, _ body: (LineBatch) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FixtureError(problems: ["\(path): cannot read the file"]) }
        defer { try? handle.close() }
        var batch = LineBatch(firstLineNumber: 1, lines: [])
        var pending: [UInt8] = []
        var read = 0
        func add(_ line: ArraySlice<UInt8>) throws {
            batch.lines.append(line)
            read += line.count + 1
            batch.bytesRead = read
            if batch.lines.count == size {
                try body(batch)
                batch = LineBatch(firstLineNumber: batch.firstLineNumber + size, lines: [])
            }
        }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            // The lines of this chunk are slices of one new buffer, shared by the batches that hold them.
            let buffer = pending + chunk
            var start = buffer.startIndex
            while let newline = buffer[start...].firstIndex(of: 0x0A) {
                try add(buffer[start..<newline])
                start = newline + 1
            }
            pending = Array(buffer[start...])
        }
        if !pending.isEmpty { try add(pending[...]) }
        if !batch.lines.isEmpty { try body(batch) }
    }

    /// The jobs of a batch's lines, and the problems of those that are not jobs. Blank lines and
    /// lines starting with `//` are skipped.
    package static func parse(_ batch: LineBatch, path: String, now: Timestamp) -> (jobs: [(Job, held: Bool)], problems: [String]) {
        var jobs: [(Job, held: Bool)] = []
        var problems: [String] = []
        jobs.reserveCapacity(batch.lines.count)
        for (index, line) in batch.lines.enumerated() {
            let lineNumber = batch.firstLineNumber + index
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            guard !trimmed.isEmpty, !trimmed.starts(with: [0x2F, 0x2F]) else { continue }
            do {
                let bytes = Array(line)
                var reader = FixtureReader(source: path, locator: nil, now: now)
                let job = reader.job(try JSONParser.parse(bytes), at: "$")
                if let job, reader.problems.isEmpty {
                    jobs.append((job, !reader.held.isEmpty))
                } else {
                    // Positions cost a map per value: worked out only for a line that has problems.
                    let (value, locator) = try JSONParser.parseWithLocator(bytes)
                    var located = FixtureReader(source: path, locator: locator, now: now)
                    located.lineOffset = lineNumber - 1
                    _ = located.job(value, at: "$")
                    problems += located.problems
                }
            } catch {
                problems.append("\(path):\(lineNumber):\(error.column): \(error.reason)")
            }
        }
        return (jobs, problems)
    }
}

/// Batches from the reading thread to the writing one, at most `capacity` waiting. The consumer
/// may stop early (`cancelAndWait`); the reader then stops at its next send.
package final class BatchChannel<Item: Sendable>: Sendable {
    private struct State {
        package var items: [Item] = []
        package var cancelled = false
        package var error: (any Error)?
        /// Waits on `free` that went through, less its signals: a semaphore disposed of below its
        /// initial value ends the process (libdispatch's "deallocated while in use"), so a
        /// consumer that stops early gives these back.
        package var held = 0
    }

    private let state = Mutex(State())
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore
    private let done = DispatchSemaphore(value: 0)

    package init(capacity: Int) {
        free = DispatchSemaphore(value: capacity)
    }

    /// Waits for room; false when the consumer has stopped.
    package func send(_ item: Item) -> Bool {
        free.wait()
        let accepted = state.withLock { state in
            state.held += 1
            guard !state.cancelled else { return false }
            state.items.append(item)
            return true
        }
        filled.signal()
        return accepted
    }

    /// The reader is done (with the error that stopped it, if any).
    package func finish(error: (any Error)?) {
        state.withLock { $0.error = error }
        filled.signal()
        done.signal()
    }

    /// The next batch, or nil at the end; rethrows the reader's error.
    package func receive() throws -> Item? {
        filled.wait()
        let next: Item? = try state.withLock { state in
            if !state.items.isEmpty { return state.items.removeFirst() }
            if let error = state.error { throw error }
            return nil
        }
        state.withLock { $0.held -= 1 }
        free.signal()
        return next
    }

    /// Stops the reader (if still reading) and waits until it has left.
    package func cancelAndWait() {
        state.withLock {
            $0.cancelled = true
            $0.held -= 1
        }
        free.signal()
        done.wait()
        for _ in 0..<max(0, state.withLock { $0.held }) { free.signal() }
    }
}
