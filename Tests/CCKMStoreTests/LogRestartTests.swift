import CCKMTestFixtures
import Foundation
import TestSupport
import Testing

@testable import CCKMCore
@testable import CCKMStore

/// Under a steady stream of writes a checkpoint from the checkpointer's own connection never finds
/// the log fully copied, so SQLite never starts it over and it grew without end (1 GB in 6 s of
/// starts). A round that finds the log long asks the writer to checkpoint once after its next
/// commit; the writer's next write then starts the log over. `scripts/soak` checks the log's peak
/// under load; this checks the hand-over.
@Suite(.inProcess()) struct LogRestartTests {
    @Test func aLongLogIsHandedToTheWriterWhichStartsItOver() throws {
        let directory = try Paths.temporaryDirectory()
        // Rounds only when the test asks: a round of its own would race the test's (one of two
        // checkpoints at once answers "busy") and take the request for the writer first.
        let store = try JobStore(location: .directory(directory), readers: 2, logRestartFrames: 20, checkpointEvery: nil)
        try store.replace((0..<300).map { TestJobs.make(JobFamily.named("dsm")!, $0) })
        let long = try #require(try store.checkpointer.withLock { try $0?.checkpointNow() })
        #expect(long.log > 20, "300 jobs take more than 20 pages")
        #expect(store.logRestart.isDue, "a round that finds the log long asks the writer")

        try store.replace([TestJobs.make(JobFamily.named("dsm")!, 1000)])
        #expect(!store.logRestart.isDue, "the writer took the request")
        // Queued on the writer behind its checkpoint, so that is done when this returns.
        try store.replace([TestJobs.make(JobFamily.named("dsm")!, 1001)])
        let short = try #require(try store.checkpointer.withLock { try $0?.checkpointNow() })
        #expect(short.log < long.log && short.log <= 20, "the log started over: \(short.log) frames")
        #expect(try store.reader.count() == 302)
    }

    @Test func aShortLogAsksNothing() throws {
        let store = try JobStore(
            location: .directory(try Paths.temporaryDirectory()), readers: 2, logRestartFrames: 100_000, checkpointEvery: nil)
        try store.replace((0..<50).map { TestJobs.make(JobFamily.named("dsm")!, $0) })
        _ = try store.checkpointer.withLock { try $0?.checkpointNow() }
        #expect(!store.logRestart.isDue)
    }
}
