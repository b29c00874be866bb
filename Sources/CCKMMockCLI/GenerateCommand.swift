import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMServer
import CCKMStore

#if canImport(Glibc)
    import Glibc
#endif

/// `cckm-mock generate`: fill a store with made-up jobs, for load tests and measurements.
public struct GenerateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Add made-up jobs to a data directory's store.",
        discussion: """
            Jobs of every family, in the domains root, tenant-a and tenant-b, about 80% completed, 15% failed \
            and 5% in progress, created one second apart from 2025-01-01. The same --seed gives the same jobs. \
            Serve the directory afterwards with `cckm-mock serve --data DIR`.
            """
    )

    @Option(help: "How many jobs to add.")
    public var jobs: Int

    @Option(help: ArgumentHelp("Data directory of the store (created if missing).", valueName: "dir"))
    public var data: String

    @Option(help: "Seed for ids, statuses and targets.")
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws {
        guard jobs >= 0 else { throw ValidationError("--jobs must be 0 or more, got \(jobs)") }
        guard data != ":memory:" else { throw ValidationError("--data must be a directory: an in-memory store would vanish on exit") }
    }

    public func run() throws {
        try DataDirectory.prepare(data)
        let lock = try DataDirectory.lock(data)
        defer { lock.release() }
        let store = try JobStore(location: .directory(data))
        let clock = ContinuousClock()
        let start = clock.now
        let written = try Engine.insertGenerated(SyntheticJobs(count: jobs, seed: seed), into: store)
        let elapsed = clock.now - start
        let seconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 100
        writeLine("added \(written) jobs to \(data)/\(JobStore.fileName) in \(seconds.rounded() / 100) s", to: STDOUT_FILENO)
    }
}
