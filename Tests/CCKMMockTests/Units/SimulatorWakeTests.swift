import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// Issue 43 #5: the simulator on the system clock ticked every 20 ms, a few percent of a core on
/// an idle server; it now sleeps until the next due time or the next commit.
@Suite(.inProcess()) struct SimulatorWakeTests {
    @Test func everyStoreCommitIsSignalledAndTheNextDueTimeIsKnown() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5))
        let before = app.app.engine.commits.commits
        #expect(try app.app.engine.nextDueTime() == nil, "nothing running")
        #expect(try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#).status == 201)
        #expect(app.app.engine.commits.commits > before)
        #expect(try app.app.engine.nextDueTime() == ManualClock.defaultStart.adding(seconds: 5))
    }
}
