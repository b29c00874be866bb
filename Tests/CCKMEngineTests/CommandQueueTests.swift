import CCKMTestFixtures
import Dispatch
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import CCKMCore
@testable import CCKMEngine
@testable import CCKMStore

/// The command queue on a real store, without an engine or a server: inline writes answer before
/// `submit` returns; grouped ones arrive in batches, each on disk before its caller hears, and a
/// failing command leaves the others of its batch alone.
@Suite(.inProcess()) struct CommandQueueTests {
    static func queue(_ store: JobStore, inline: Bool) -> CommandQueue {
        CommandQueue(store: store, inline: inline, prepare: { _, _ in [] }, finished: { _ in })
    }

    static func insert(_ store: JobStore, _ n: Int) -> Command<Int> {
        Command { db in
            try store.replace([PreparedJob(PlannedJob(job: TestJobs.make(JobFamily.named("dsm")!, n)))], db)
            return n
        }
    }

    @Test func anInlineWriteIsOnDiskWhenSubmitReturns() throws {
        let store = try JobStore(location: .memory)
        let queue = Self.queue(store, inline: true)
        let heard = Mutex<[Int]>([])
        queue.submit(Self.insert(store, 1)) { result in heard.withLock { $0.append(try! result.get()) } }
        #expect(heard.withLock { $0 } == [1])
        #expect(try store.reader.count() == 1)
    }

    @Test func groupedWritesAreEachOnDiskBeforeTheirCallerHears() async throws {
        let store = try JobStore(location: .directory(try Paths.temporaryDirectory()))
        let queue = Self.queue(store, inline: false)
        let counts = Mutex<[Int]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let left = Mutex(50)
            for n in 0..<50 {
                queue.submit(Self.insert(store, n)) { _ in
                    // Read from another connection: what the caller was told is committed.
                    let stored = (try? store.reader.count()) ?? -1
                    counts.withLock { $0.append(stored) }
                    if left.withLock({
                        $0 -= 1; return $0
                    }) == 0 {
                        done.resume()
                    }
                }
            }
        }
        #expect(try store.reader.count() == 50)
        #expect(counts.withLock { $0 }.allSatisfy { $0 >= 1 }, "each caller heard after its batch's commit")
    }

    @Test func aFailingCommandFailsAloneInItsBatch() throws {
        let store = try JobStore(location: .memory)
        let queue = Self.queue(store, inline: true)
        struct Refused: Error {}
        #expect(throws: Refused.self) { try queue.writeNow(Command<Int> { _ in throw Refused() }) }
        #expect(try queue.writeNow(Self.insert(store, 7)) == 7)
        #expect(try store.reader.count() == 1)
    }
}
