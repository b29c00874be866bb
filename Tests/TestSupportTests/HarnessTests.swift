import Dispatch
import Synchronization
import Testing

@testable import TestSupport

/// The harness every other test leans on: if a body could starve the pool, a wait run forever or
/// a limit not end a test, the suite would hang on a busy machine instead of failing.
@Suite(.inProcess()) struct HarnessTests {
    @Test func aWaitThatNeverHoldsFailsNamingWhatItWaitedFor() async throws {
        let started = ContinuousClock.now
        let error = await #expect(throws: TimedOut.self) {
            try await eventually("the moon to turn blue", within: .milliseconds(200)) { false }
        }
        #expect(error?.description == "waited 0.2 seconds for the moon to turn blue; it never came")
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(throws: TimedOut.self) { try blockUntil("a flag nobody sets", within: .milliseconds(100)) { false } }
    }

    /// Eight bodies blocked at once (a semaphore, a socket read) each hold a thread of their own:
    /// on the cooperative pool (two threads here) the third would never start, and none would end.
    @Test func blockedBodiesDoNotStarveOneAnother() async throws {
        final class Count: Sendable { let value = Atomic<Int>(0) }
        let arrived = Count()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    arrived.value.add(1, ordering: .relaxed)
                    try blockUntil("all eight bodies to be blocked at once", within: .seconds(30)) { arrived.value.load(ordering: .relaxed) == 8 }
                }
            }
            try await group.waitForAll()
        }
        #expect(TestThreads.shared.peak >= 8)
    }

    @Test func aTestPastItsLimitFailsAndIsCancelled() async throws {
        let started = ContinuousClock.now
        await withKnownIssue("the limit of 100 ms is recorded as this test's failure") {
            try await TestBudget.run({ try await Task.sleep(for: .seconds(60)) }, within: .milliseconds(100), named: "a sleeper")
        }
        #expect(ContinuousClock.now - started < .seconds(30), "cancelled at its limit, not left to run")
    }

    @Test(.inProcess(.seconds(7))) func aTestsOwnBudgetReplacesItsSuites() {
        #expect(TestBudget.current?.limit == .seconds(7) && TestBudget.current?.depth == 1, "not its suite's too")
    }

    @Test func aTestWithoutItsOwnBudgetHasItsSuites() {
        #expect(TestBudget.current?.limit == .seconds(60) && TestBudget.current?.depth == 1)
    }

    @Test func slotsLetInOnlyTheirWidthAndThenTheFirstInLine() async throws {
        let slots = Slots(width: 2)
        await slots.acquire()
        await slots.acquire()
        let third = Task {
            await slots.acquire()
            return ContinuousClock.now
        }
        try await Task.sleep(for: .milliseconds(100))
        let released = ContinuousClock.now
        await slots.release()
        #expect(await third.value >= released, "the third waited for a release")
    }

    @Test func cleanupsRunLastAddedFirstAndOutsideATestAreRefused() throws {
        let order = Mutex<[String]>([])
        let cleanups = TestCleanups()
        try TestCleanups.$current.withValue(cleanups) {
            try TestCleanups.add("first") { order.withLock { $0.append("first") } }
            try TestCleanups.add("second") { order.withLock { $0.append("second") } }
        }
        cleanups.runAll()
        #expect(order.withLock { $0 } == ["second", "first"])
        try TestCleanups.$current.withValue(nil) {
            #expect(throws: TestCleanups.OutsideABudget.self) { try TestCleanups.add("a server") {} }
        }
    }
}
