import Foundation
import Synchronization
import Testing

/// How a test runs so that a busy machine slows the suite down instead of failing it: its body on
/// a thread of its own (``TestThreads``: a blocking call there starves no one), started only once
/// one of a few slots is free (``Slots/inProcess``, ``Slots/live``: hundreds of tests started at
/// once would each get a sliver of the machine and none its limit), and a time limit counted from
/// when it started, not from when it was queued. Applied to a suite, it holds
/// for each of its tests; one on a test replaces its suite's.
///
/// The limit says how long the test may take on a busy 2-core machine (two busy loops beside the
/// suite). Past it the test fails, naming the limit, and is cancelled: every wait in the tests
/// has a deadline of its own and ends on cancellation too.
public struct TestBudget: TestTrait, SuiteTrait, TestScoping {
    let limit: Duration
    let slots: Slots
    /// Which budget this is: a test carries its suite's and may carry its own, and only the
    /// nearest one takes a slot and keeps the time.
    private let identity = Identity()
    private final class Identity: Sendable {}

    public var isRecursive: Bool { true }

    /// The budget of the test running in this task: its limit, and how many budgets it runs in
    /// (one). For a test of the harness.
    @TaskLocal public static var current: (limit: Duration, depth: Int)?

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        guard !test.isSuite, testCase != nil else { return nil }
        // A test's traits list its suites' recursive ones first and its own last.
        let nearest = test.traits.last { $0 is TestBudget } as? TestBudget
        return nearest?.identity === identity ? self : nil
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await slots.acquire()
        let started = ContinuousClock.now
        let cleanups = TestCleanups()
        let outcome = await Result(catching: {
            try await TestCleanups.$current.withValue(cleanups) {
                try await Self.$current.withValue((limit, (Self.current?.depth ?? 0) + 1)) {
                    try await withTaskExecutorPreference(TestThreads.shared) {
                        try await Self.run(function, within: limit, named: test.name)
                    }
                }
            }
        })
        cleanups.runAll()
        await slots.release()
        TestTimes.shared?.record(test, testCase: testCase, took: ContinuousClock.now - started, of: limit)
        try outcome.get()
    }

    /// Runs `function` in this task, and cancels it if it is still running at `limit`.
    static func run(_ function: @Sendable () async throws -> Void, within limit: Duration, named name: String) async throws {
        let task = withUnsafeCurrentTask { UncheckedTask(task: $0) }
        try await withThrowingTaskGroup(of: Void.self) { watchdog in
            watchdog.addTask {
                try await Task.sleep(for: limit)
                Issue.record("\(name) ran past its limit of \(limit) (the limit on a busy 2-core machine); cancelled")
                task.task?.cancel()
            }
            defer { watchdog.cancelAll() }
            try await function()
        }
    }
}

/// The running test's task, handed to its watchdog, which cancels it only while the test runs
/// (the watchdog is awaited before the test's scope ends).
private struct UncheckedTask: @unchecked Sendable {
    let task: UnsafeCurrentTask?
}

extension Trait where Self == TestBudget {
    /// A test of code in this process, with no server or process of its own: it waits for one of
    /// the in-process slots.
    public static func inProcess(_ limit: Duration = .seconds(60)) -> Self { TestBudget(limit: limit, slots: .inProcess) }

    /// A test that starts servers or processes: it waits for one of the live slots.
    public static func live(_ limit: Duration = .seconds(120)) -> Self { TestBudget(limit: limit, slots: .live) }
}

extension Result where Failure == any Error {
    fileprivate init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// A counting semaphore for tasks, first come first served.
public actor Slots {
    /// Tests that start servers or processes: a few at a time, as many as the machine has cores
    /// and one more (one test's server is often waiting on its client). `CCKM_MOCK_TEST_SLOTS`
    /// sets another width.
    public static let live = Slots(width: defaultWidth)

    /// Tests of code in this process: as many again, apart from the live ones so that a queue of
    /// quick unit tests never waits behind servers.
    public static let inProcess = Slots(width: defaultWidth)

    private static let defaultWidth =
        ProcessInfo.processInfo.environment["CCKM_MOCK_TEST_SLOTS"].flatMap(Int.init)
        ?? ProcessInfo.processInfo.activeProcessorCount + 1

    private let width: Int
    private var taken = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(width: Int) { self.width = max(1, width) }

    public func acquire() async {
        if taken < width {
            taken += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    public func release() {
        if waiting.isEmpty { taken -= 1 } else { waiting.removeFirst().resume() }
    }
}
