import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore

#if canImport(Glibc)
    import Glibc
#endif

/// `cckm-mock fixtures`: check scenario files, or write a large one.
public struct FixturesCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fixtures",
        abstract: "List the built-in scenarios, check fixture files, or generate a large one.",
        subcommands: [ListFixturesCommand.self, ValidateFixturesCommand.self, GenerateFixtureCommand.self]
    )

    public init() {}
}

/// `cckm-mock fixtures list`: the scenarios compiled into the binary, one line each.
public struct ListFixturesCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the built-in scenarios that --fixtures NAME loads, one line each.",
        discussion: "A file of the same name in the working directory wins over a built-in scenario."
    )

    public init() {}

    public func run() throws {
        let width = BuiltInScenario.all.map(\.name.count).max() ?? 0
        for scenario in BuiltInScenario.all {
            writeLine(scenario.name + String(repeating: " ", count: width - scenario.name.count + 2) + scenario.summary, to: STDOUT_FILENO)
        }
    }
}

/// `cckm-mock fixtures validate FILE...`: every problem of every file, with file, line and column.
public struct ValidateFixturesCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check fixture files; print every problem as FILE:LINE:COLUMN: PATH: MESSAGE.",
        discussion: "Exits 0 when every file is valid, 1 otherwise. `serve --fixtures` refuses to start on the same problems."
    )

    @Argument(help: ArgumentHelp("Fixture files (.json, or .jsonl with one job per line), or built-in scenario names.", valueName: "file"))
    public var files: [String]

    public init() {}

    public func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Name at least one fixture file.") }
    }

    public func run() throws {
        do {
            let fixture = try Fixture.load(paths: files, now: ManualClock.defaultStart)
            let streamed = fixture.streams.isEmpty ? "" : " (and \(fixture.streams.count) JSON Lines file(s) of jobs)"
            writeLine("ok: \(files.count) file(s), \(fixture.jobs.count) job(s)\(streamed)", to: STDOUT_FILENO)
        } catch {
            for problem in error.problems { writeLine(problem, to: STDOUT_FILENO) }
            writeLine("\(error.problems.count) problem(s) found", to: STDERR_FILENO)
            throw ExitCode.failure
        }
    }
}

/// `cckm-mock fixtures generate N`: N made-up jobs as JSON Lines on standard output.
public struct GenerateFixtureCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a JSON Lines fixture of N jobs (every family, domains root, tenant-a and tenant-b, every status) to standard output.",
        discussion: "Load it with `serve --fixtures FILE.jsonl --domain tenant-a --domain tenant-b`; the same --seed gives the same file."
    )

    @Argument(help: "How many jobs.")
    public var count: Int

    @Option(help: "Seed for ids, statuses and targets.")
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws {
        guard count >= 0 else { throw ValidationError("N must be 0 or more, got \(count)") }
    }

    public func run() throws {
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        // The jobs go to standard output; how far it is, to standard error.
        let line = ProgressLine()
        let started = ContinuousClock.now
        line.show("generating \(ProgressLine.grouped(count)) jobs…", first: true)
        var written = 0
        for job in SyntheticJobs(count: count, seed: seed) {
            buffer += job.fixtureLine
            buffer += "\n"
            written += 1
            if buffer.utf8.count >= 1 << 20 {
                writeAll(buffer, to: STDOUT_FILENO)
                buffer.removeAll(keepingCapacity: true)
                let share = count > 0 ? written * 100 / count : 100
                line.show(
                    "generating: \(ProgressLine.grouped(written)) of \(ProgressLine.grouped(count)) jobs (\(share) %), "
                        + ProgressLine.pace(done: written, total: count, elapsed: ContinuousClock.now - started))
            }
        }
        writeAll(buffer, to: STDOUT_FILENO)
        let seconds = ProgressLine.seconds(ContinuousClock.now - started)
        line.show("generated \(ProgressLine.grouped(written)) jobs in \(String(format: "%.1f", seconds)) s", final: true)
    }
}
