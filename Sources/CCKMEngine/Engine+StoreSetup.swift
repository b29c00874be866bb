import CCKMCore
import CCKMStore
import GRDB

/// An engine for a server, and the offline generator's jobs (`cckm-mock generate`, no server).
extension Engine {
    /// An engine whose first write counts this start of a server on the store (1 on a new one, 2
    /// on the next, and so on), performed as a command before the planner exists, because its
    /// seed derives from that count: a restart under `--seed` draws ids no earlier start drew.
    /// `recordingStart` off (a prepared scenario, made once) plans under `seed` as given.
    package convenience init(
        store: JobStore, clock: any SimulationClock, settings: SimulatorSettings, seed: UInt64?, recordingStart: Bool = true,
        groupCommit: Bool, changed: @escaping @Sendable (Change) -> Void = { _ in }
    ) throws {
        var seed = seed
        if recordingStart {
            let seconds = SystemClock().now().nanoseconds / 1_000_000_000
            let first = CommandQueue(store: store, inline: true, prepare: { _, _ in [] }, finished: { _ in })
            let start = try first.writeNow(Command(changesJobs: false) { db in try store.recordStart(at: seconds, db) })
            seed = seed.map { Randomness.seed($0, start: start) }
        }
        self.init(
            store: store, clock: clock, planner: JobPlanner(settings: settings, randomness: Randomness(seed: seed)), groupCommit: groupCommit,
            changed: changed)
        try addStoredKMSToRules()
    }

    /// Adds generated jobs known to be new (no id check), in transactions of `batch`. Returns how
    /// many were written.
    @discardableResult
    public static func insertGenerated<Jobs: Sequence>(_ jobs: Jobs, into store: JobStore, batch: Int = 10_000) throws -> Int
    where Jobs.Element == Job {
        var iterator = jobs.makeIterator()
        var written = 0
        var exhausted = false
        while !exhausted {
            try store.database.writeWithoutTransaction { db in
                try store.transaction(db) { db in
                    store.generations.touchAll()
                    for _ in 0..<batch {
                        guard let job = iterator.next() else {
                            exhausted = true
                            return
                        }
                        try store.insert(job, db)
                        written += 1
                    }
                }
            }
        }
        return written
    }
}
