import Foundation
import Synchronization

/// JSON Lines fixtures: one job object per line, read a batch at a time so that a million jobs
/// load with flat memory. Blank lines and lines starting with `//` are skipped.
enum JobLines {
    static let batchSize = 5_000

    /// Reads every line, reporting every problem (at most 100, then a count).
    static func validate(path: String, now: Timestamp) throws(FixtureError) {
        var problems = Problems()
        do {
            try forEachBatch(path: path, now: now, size: batchSize) { _, batchProblems in problems.add(batchProblems) }
        } catch {
            throw FixtureError(problems: ["\(path): cannot read the file: \(error)"])
        }
        try problems.check(path: path)
    }

    /// Like `forEachBatch`, with the reading, parsing and `prepare` on a thread of their own, a
    /// few batches ahead of `consume` on the caller's thread, so that a bulk load keeps two cores
    /// busy: one turning lines into rows, one writing them. `prepare` is not called once a line
    /// has had a problem (what follows is read only for its problems).
    static func forEachBatchReadingAhead<Prepared: Sendable>(
        path: String, now: Timestamp, size: Int, prepare: @escaping @Sendable ([(Job, held: Bool)]) -> Prepared,
        consume: (Prepared?, _ problems: [String]) throws -> Void
    ) throws {
        let channel = BatchChannel<Prepared>(capacity: 4)
        let reader = Thread {
            var failed = false
            do {
                try forEachBatch(path: path, now: now, size: size) { jobs, problems in
                    failed = failed || !problems.isEmpty
                    guard channel.send(failed ? nil : prepare(jobs), problems) else { throw CancellationError() }
                }
                channel.finish(error: nil)
            } catch {
                channel.finish(error: error is CancellationError ? nil : error)
            }
        }
        reader.name = "fixture-reader"
        reader.start()
        defer { channel.cancelAndWait() }
        while let (prepared, problems) = try channel.receive() {
            try consume(prepared, problems)
        }
    }

    /// The problems of a file: the first 100 kept, the rest counted.
    struct Problems {
        private var kept: [String] = []
        private var more = 0

        var isEmpty: Bool { kept.isEmpty }

        mutating func add(_ problems: [String]) {
            for problem in problems {
                if kept.count < 100 { kept.append(problem) } else { more += 1 }
            }
        }

        /// Throws them all, when there are any.
        func check(path: String) throws(FixtureError) {
            guard !kept.isEmpty else { return }
            throw FixtureError(problems: kept + (more > 0 ? ["\(path): … and \(more) more problems"] : []))
        }
    }

    /// Calls `body` with each batch of jobs (and the problems of its lines), in file order.
    static func forEachBatch(
        path: String, now: Timestamp, size: Int, _ body: (_ jobs: [(Job, held: Bool)], _ problems: [String]) throws -> Void
    ) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FixtureError(problems: ["\(path): cannot read the file"]) }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        var lineNumber = 0
        var jobs: [(Job, held: Bool)] = []
        var problems: [String] = []

        func take(_ line: ArraySlice<UInt8>) {
            lineNumber += 1
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            guard !trimmed.isEmpty, !trimmed.starts(with: [0x2F, 0x2F]) else { return }
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

        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending += chunk
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                take(pending[start..<newline])
                start = newline + 1
                if jobs.count >= size {
                    try body(jobs, problems)
                    jobs.removeAll(keepingCapacity: true)
                    problems.removeAll()
                }
            }
            pending.removeSubrange(..<start)
        }
        if !pending.isEmpty { take(pending[...]) }
        if !jobs.isEmpty || !problems.isEmpty { try body(jobs, problems) }
    }
}

/// Batches from the reading thread to the writing one, at most `capacity` waiting. The consumer
/// may stop early (`cancelAndWait`); the reader then stops at its next send.
final class BatchChannel<Item: Sendable>: Sendable {
    private struct State {
        var items: [(Item?, [String])] = []
        var cancelled = false
        var error: (any Error)?
    }

    private let state = Mutex(State())
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore
    private let done = DispatchSemaphore(value: 0)

    init(capacity: Int) {
        free = DispatchSemaphore(value: capacity)
    }

    /// Waits for room; false when the consumer has stopped.
    func send(_ item: Item?, _ problems: [String]) -> Bool {
        free.wait()
        let accepted = state.withLock { state in
            guard !state.cancelled else { return false }
            state.items.append((item, problems))
            return true
        }
        filled.signal()
        return accepted
    }

    /// The reader is done (with the error that stopped it, if any).
    func finish(error: (any Error)?) {
        state.withLock { $0.error = error }
        filled.signal()
        done.signal()
    }

    /// The next batch, or nil at the end; rethrows the reader's error.
    func receive() throws -> (Item?, [String])? {
        filled.wait()
        let next: (Item?, [String])?? = try state.withLock { state in
            if !state.items.isEmpty { return state.items.removeFirst() }
            if let error = state.error { throw error }
            return .some(nil)
        }
        free.signal()
        return next ?? nil
    }

    /// Stops the reader (if still reading) and waits until it has left.
    func cancelAndWait() {
        state.withLock { $0.cancelled = true }
        free.signal()
        done.wait()
    }
}
