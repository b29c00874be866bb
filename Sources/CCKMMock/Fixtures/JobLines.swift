import Foundation

/// JSON Lines fixtures: one job object per line, read a batch at a time so that a million jobs
/// load with flat memory. Blank lines and lines starting with `//` are skipped.
enum JobLines {
    static let batchSize = 5_000

    /// Reads every line, reporting every problem (at most 100, then a count).
    static func validate(path: String, now: Timestamp) throws(FixtureError) {
        var problems: [String] = []
        var more = 0
        do {
            try forEachBatch(path: path, now: now, size: batchSize) { _, batchProblems in
                for problem in batchProblems {
                    if problems.count < 100 { problems.append(problem) } else { more += 1 }
                }
            }
        } catch {
            throw FixtureError(problems: ["\(path): cannot read the file: \(error)"])
        }
        if more > 0 { problems.append("\(path): … and \(more) more problems") }
        guard problems.isEmpty else { throw FixtureError(problems: problems) }
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
