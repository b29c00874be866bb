import Foundation
import Synchronization

/// An executor for test bodies that may block: a pool of threads that grows by one whenever a job
/// arrives and no thread is idle, so a test blocked in a socket read, a semaphore or a child
/// process's pipe holds a thread of its own instead of one of the cooperative pool's (two on a
/// 2-core machine, and the servers under test need them). Idle threads leave after a while.
public final class TestThreads: TaskExecutor, @unchecked Sendable {  // State is guarded by `condition`.
    public static let shared = TestThreads()

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var idle = 0
    private var threads = 0
    /// The most threads that ever ran at once: a test of the pool reads it.
    public private(set) var peak = 0

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        // Every job waiting has a thread to take it: an idle one woken, or a new one.
        if jobs.count > idle {
            threads += 1
            peak = max(peak, threads)
            let thread = Thread { [self] in work() }
            thread.name = "test-body"
            thread.stackSize = 4 << 20
            thread.start()
        } else {
            condition.signal()
        }
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            if jobs.isEmpty {
                idle += 1
                let woke = condition.wait(until: Date().addingTimeInterval(10))
                idle -= 1
                if !woke && jobs.isEmpty {
                    threads -= 1
                    condition.unlock()
                    return
                }
                continue
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
            condition.lock()
        }
    }
}
