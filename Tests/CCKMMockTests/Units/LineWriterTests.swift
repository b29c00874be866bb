import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

#if canImport(Glibc)
    import Glibc
#endif

/// The access log's writer (issue 26): lines go out whole and in order, a request never waits on a
/// descriptor that does not keep up, and what had to be dropped is counted and said.
@Suite(.inProcess()) struct LineWriterTests {
    static func pipe() -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        _ = Glibc.pipe(&ends)
        return (ends[0], ends[1])
    }

    static func readAll(_ descriptor: Int32) throws -> String {
        var out: [UInt8] = []
        while let chunk = try readChunk(descriptor) { out += chunk }
        return String(decoding: out, as: UTF8.self)
    }

    /// What the pipe holds now, waiting for it at most 30 s; nil at its end.
    static func readChunk(_ descriptor: Int32) throws -> [UInt8]? {
        var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, 30_000) > 0 else { throw TimedOut(what: "the log writer's next bytes on its pipe", limit: .seconds(30)) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = read(descriptor, &buffer, buffer.count)
        return count > 0 ? Array(buffer[0..<count]) : nil
    }

    @Test func linesGoOutWholeAndInOrder() throws {
        let ends = Self.pipe()
        let writer = LineWriter(descriptor: ends.write)
        for n in 0..<1000 { writer.write("line \(n)") }
        writer.flush()
        close(ends.write)
        let lines = try Self.readAll(ends.read).split(separator: "\n")
        close(ends.read)
        #expect(lines.count == 1000 && lines.first == "line 0" && lines.last == "line 999")
        #expect(writer.dropped == 0)
    }

    @Test func aDescriptorThatDoesNotKeepUpCostsDroppedLinesNotWaits() throws {
        let ends = Self.pipe()
        // Nobody reads the pipe while the lines are written: its 64 KB fill, the writer blocks in
        // `write`, and the 16 KB buffer fills behind it. Every `write` call still returns at once.
        let writer = LineWriter(descriptor: ends.write, limit: 16 << 10)
        let line = String(repeating: "x", count: 99)
        let started = ContinuousClock.now
        for _ in 0..<10_000 { writer.write(line) }
        #expect(ContinuousClock.now - started < .seconds(5), "a request would have waited")
        // Now the reader catches up: what was kept comes out, then the count of what was not.
        var text = ""
        while !text.contains("dropped: standard error did not keep up"), let chunk = try Self.readChunk(ends.read) {
            text += String(decoding: chunk, as: UTF8.self)
        }
        writer.flush()
        close(ends.write)
        text += try Self.readAll(ends.read)
        close(ends.read)
        let kept = text.split(separator: "\n").filter { $0 == line }.count
        #expect(writer.dropped > 0 && kept + writer.dropped == 10_000, "kept \(kept), dropped \(writer.dropped)")
        #expect(text.contains("cckm-mock: \(writer.dropped) log lines dropped") || text.contains(" log line"))
    }

    /// Issue 42 #19: with a non-blocking standard error (a parent's shared pipe), a write that
    /// answered EAGAIN gave the batch up: 390-494 of 3,000 lines arrived, and none was counted.
    @Test func aNonBlockingDescriptorGetsEveryLine() throws {
        let ends = Self.pipe()
        _ = fcntl(ends.write, F_SETFL, fcntl(ends.write, F_GETFL) | O_NONBLOCK)
        let writer = LineWriter(descriptor: ends.write)
        let line = String(repeating: "y", count: 99)
        for _ in 0..<3000 { writer.write(line) }
        // 300 KB against a 64 KB pipe nobody reads yet: the writer waits for room.
        writer.flush(within: .milliseconds(300))
        var text = ""
        while text.split(separator: "\n").count < 3000, let chunk = try Self.readChunk(ends.read) {
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(writer.flush(), "everything out")
        close(ends.write)
        text += try Self.readAll(ends.read)
        close(ends.read)
        #expect(text.split(separator: "\n").filter { $0 == line }.count == 3000)
        #expect(writer.dropped == 0)
    }
}
