import CCKMCore
import CCKMEngine
import CCKMStore
import Synchronization

/// The control API's handlers (`/__admin`): what tests and demos use to steer and inspect the
/// mock. Its rows are in `Endpoints.swift`; open unless `--admin-token` is set (then
/// `checkControlToken` asks for it); never journaled, never faulted; a browser's call from another
/// origin is refused (`HostPolicy`). The handlers live in the files beside this one,
/// `ControlHandlers+<part>.swift`: clock, state, jobs, history, traffic (faults and the journal).
package final class ControlHandlers: Sendable {
    let store: StoreReader
    let engine: Engine
    let tokens: TokenService
    let journal: RequestJournal
    let faults: FaultRules
    /// Requests parked until a job reaches a status; told by the engine what changed.
    let waiters: JobWaiters
    let randomness: Randomness
    let replies: Replies
    /// The fixtures named at start: what `reset?to=startup` goes back to, whatever was loaded since.
    let startupFixture: Fixture
    /// What `reset` goes back to: the start-up fixtures, unless a load declared itself the new
    /// baseline (`POST /__admin/fixtures?baseline=true`). A plain load changes the state only, so
    /// that nothing a test loads survives the next test's reset.
    let baseline: Mutex<Fixture>

    /// The stubs in WireMock's format (`ControlHandlers+Stubs.swift`).
    let stubs: StubRegistry

    package init(
        store: StoreReader, engine: Engine, tokens: TokenService, journal: RequestJournal, faults: FaultRules, stubs: StubRegistry,
        waiters: JobWaiters, randomness: Randomness, replies: Replies, startupFixture: Fixture
    ) {
        self.stubs = stubs
        self.store = store
        self.engine = engine
        self.tokens = tokens
        self.journal = journal
        self.faults = faults
        self.waiters = waiters
        self.randomness = randomness
        self.replies = replies
        self.startupFixture = startupFixture
        baseline = Mutex(startupFixture)
    }

    /// Declares the domain of every stored job, so that a fixture whose jobs name a domain its
    /// `domains` list forgot (or a generated one) still has those jobs reachable by a login to it.
    /// Chosen over refusing the fixture: loading what was meant beats an error about a list.
    package func adoptDomainsOfStoredJobs() throws {
        tokens.adopt(domains: try store.domainsHoldingJobs())
    }
}
