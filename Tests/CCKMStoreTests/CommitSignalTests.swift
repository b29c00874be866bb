import TestSupport
import Testing

@testable import CCKMStore

/// Issue 43 #5: the simulator on the system clock ticked every 20 ms, a few percent of a core on
/// an idle server; it now sleeps until the next due time or the next commit.
@Suite(.inProcess()) struct CommitSignalTests {
    @Test func aWaitEndsAtTheNextCommitAndNotBefore() async throws {
        let signal = CommitSignal()
        let seen = signal.commits
        let started = ContinuousClock.now
        await signal.wait(after: seen, upTo: .milliseconds(50))
        #expect(ContinuousClock.now - started >= .milliseconds(50), "no commit: the whole pause")
        async let woken: Void = signal.wait(after: seen, upTo: .seconds(60))
        try await Task.sleep(for: .milliseconds(20))
        signal.signal()
        await woken
        #expect(ContinuousClock.now - started < .seconds(30), "woken by the commit, not the pause")
        let late = ContinuousClock.now
        await signal.wait(after: seen, upTo: .seconds(60))
        #expect(ContinuousClock.now - late < .seconds(5), "a commit past `seen` already came: at once")
    }
}
