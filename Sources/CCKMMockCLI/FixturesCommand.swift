import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMServer
import CCKMStore

#if canImport(Glibc)
    import Glibc
#endif

/// `cckm-mock fixtures`: check scenario files, or write a large one.
public struct FixturesCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fixtures",
        abstract: "List the built-in scenarios, check fixture files, generate a large one, or prepare one to serve at once.",
        subcommands: [ListFixturesCommand.self, ValidateFixturesCommand.self, GenerateFixtureCommand.self, PrepareFixturesCommand.self]
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

    @Argument(
        help: ArgumentHelp(
            "Fixture files (.json, .jsonl with one job per line, or a prepared .cckm), or built-in scenario names.", valueName: "file"))
    public var files: [String]

    public init() {}

    public func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Name at least one fixture file.") }
    }

    public func run() throws {
        do {
            // JSON Lines files are checked here, one at a time with a progress line: a file of
            // 100,000 jobs takes seconds, and it ran silent.
            let fixture = try Fixture.load(paths: files, now: ManualClock.defaultStart, checkingStreams: false)
            var streamedJobs = 0
            var problems: [String] = []
            for path in fixture.streams {
                let line = ProgressLine()
                let started = ContinuousClock.now
                let size = max(1, JobLines.byteCount(path: path))
                let name = path.split(separator: "/").last.map(String.init) ?? path
                do {
                    defer {
                        line.show("checked \(name) in \(String(format: "%.1f", ProgressLine.seconds(ContinuousClock.now - started))) s", final: true)
                    }
                    streamedJobs += try JobLines.validate(path: path, now: ManualClock.defaultStart) { jobs, bytes in
                        let seconds = ProgressLine.seconds(ContinuousClock.now - started)
                        let left = bytes > 0 ? Int((seconds * Double(size - bytes) / Double(bytes)).rounded(.up)) : 0
                        line.show("checking \(name): \(ProgressLine.grouped(jobs)) jobs, \(bytes * 100 / size) % of the file, about \(left) s left")
                    }
                } catch {
                    problems += error.problems
                }
            }
            if !problems.isEmpty { throw FixtureError(problems: problems) }
            let streamed =
                fixture.streams.isEmpty
                ? "" : " (and \(ProgressLine.grouped(streamedJobs)) in \(fixture.streams.count) JSON Lines file(s))"
            let prepared = try fixture.prepared.map { path in
                do {
                    return " (and a prepared scenario of \(ProgressLine.grouped(try PreparedImage.open(path, thorough: true).jobs)) jobs)"
                } catch {
                    throw FixtureError(problems: ["\(error)"])
                }
            }
            writeLine("ok: \(files.count) file(s), \(ProgressLine.grouped(fixture.jobs.count)) job(s)\(streamed)\(prepared ?? "")", to: STDOUT_FILENO)
        } catch let error as FixtureError {
            for problem in error.problems { writeLine(problem, to: STDOUT_FILENO) }
            writeLine("\(error.problems.count) problem(s) found", to: STDERR_FILENO)
            throw ExitCode.failure
        }
    }
}

/// `cckm-mock fixtures generate N`: N made-up jobs as JSON Lines on standard output, or with
/// `--cloud`, N records of the fake cloud as a JSON fixture.
public struct GenerateFixtureCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a JSON Lines fixture of N jobs (every family, domains root, tenant-a and tenant-b, every status) to standard output.",
        discussion: """
            Load it with `serve --fixtures FILE.jsonl --domain tenant-a --domain tenant-b`; the same --seed gives the same file.

            With --cloud, write instead a JSON fixture of N records in the fake cloud, spread over the containers the standard \
            inventory's syncs name (so `synchronize_all` brings them all); with --synced as well, CM's inventory holds them from the \
            start: `fixtures generate 100000 --cloud aws --synced > keys.json`, then `serve --fixtures keys.json`.
            """
    )

    @Argument(help: "How many jobs (or cloud records, with --cloud).")
    public var count: Int

    @Option(help: "Seed for ids, statuses and targets.")
    public var seed: UInt64 = 1

    @Option(
        name: .customLong("cloud"),
        help: ArgumentHelp(
            "Write cloud records of this cloud instead of jobs; repeat for several, or `all`.",
            valueName: (["all"] + SyntheticCloud.clouds.map(\.name)).joined(separator: "|")))
    public var clouds: [String] = []

    @Flag(help: "With --cloud: the records are already in the root domain's inventory, as if a sync had brought them.")
    public var synced = false

    public init() {}

    public func validate() throws {
        guard count >= 0 else { throw ValidationError("N must be 0 or more, got \(count)") }
        let known = ["all"] + SyntheticCloud.clouds.map(\.name)
        if let unknown = clouds.first(where: { !known.contains($0) }) {
            throw ValidationError("--cloud \(unknown) is not a cloud (known: \(known.joined(separator: ", ")))")
        }
        if synced && clouds.isEmpty { throw ValidationError("--synced goes with --cloud: only cloud records are synced") }
    }

    public func run() throws {
        if !clouds.isEmpty { return writeCloud() }
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

extension GenerateFixtureCommand {
    func writeCloud() {
        let line = ProgressLine()
        let started = ContinuousClock.now
        line.show("generating \(ProgressLine.grouped(count)) cloud records…", first: true)
        let cloud = SyntheticCloud(count: count, clouds: clouds.contains("all") ? [] : clouds, synced: synced, seed: seed)
        cloud.write { text, written in
            writeAll(text, to: STDOUT_FILENO)
            line.show(
                "generating: \(ProgressLine.grouped(written)) of \(ProgressLine.grouped(count)) records, "
                    + ProgressLine.pace(done: written, total: count, elapsed: ContinuousClock.now - started))
        }
        let seconds = ProgressLine.seconds(ContinuousClock.now - started)
        line.show("generated \(ProgressLine.grouped(count)) cloud records in \(String(format: "%.1f", seconds)) s", final: true)
    }
}

/// `cckm-mock fixtures prepare FILE... -o OUT.cckm`: the fixtures loaded once into a ready store,
/// which `serve --fixtures OUT.cckm` copies instead of loading them again.
public struct PrepareFixturesCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Load fixtures once into a ready job store (OUT.cckm) that `serve --fixtures OUT.cckm` starts from at once.",
        discussion: """
            The store holds the fixtures' jobs with their indexes built, and the texts of the JSON fixtures (users, domains, \
            inventory, scripts, simulation and schedules, read again by each start). A start with an empty --data directory (or \
            ':memory:') copies it; a restart on that directory keeps what is stored; a reset to the fixtures copies its jobs back. \
            Jobs in progress were planned now, with the fixtures' simulation settings (else 2-6 s per target): a start moves their \
            plans to its own time, so they run those durations from then. Relative times in the fixtures (-10m) count from now. \
            A file prepared by another build of cckm-mock is refused; prepare it again.
            """
    )

    @Argument(help: ArgumentHelp("Fixture files (.json, or .jsonl with one job per line), or built-in scenario names.", valueName: "file"))
    public var files: [String]

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Where to write the prepared scenario.", valueName: "OUT.cckm"))
    public var output: String

    @Flag(help: "Replace OUT.cckm if it exists.")
    public var force = false

    @Option(help: "Seed for the plans of the jobs in progress (their durations and outcomes); random when left out.")
    public var seed: UInt64?

    public init() {}

    public func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Name at least one fixture file.") }
        guard output.hasSuffix(Fixture.preparedExtension) else {
            throw ValidationError("--output \(output): end the name with \(Fixture.preparedExtension), which is how serve --fixtures knows it")
        }
        if !force, access(output, F_OK) == 0 {
            throw ValidationError("--output \(output) exists; add --force to replace it")
        }
    }

    public func run() throws {
        let line = ProgressLine()
        let started = ContinuousClock.now
        let progress = LoadReporter.progress(line)
        let summary: MockApplication.PreparedSummary
        do {
            // --force replaces OUT.cckm by the final rename alone: a typo or a stop leaves the old file.
            summary = try LoadReporter.cancellingOnSignals(progress) {
                try MockApplication.prepareScenario(paths: files, output: output, seed: seed, progress: progress)
            }
        } catch let error as StartupError where !error.fixtureProblems.isEmpty {
            for problem in error.fixtureProblems { writeLine(problem, to: STDERR_FILENO) }
            writeLine("\(error.fixtureProblems.count) problem(s) found; nothing written", to: STDERR_FILENO)
            throw ExitCode.failure
        } catch let error as FixtureError {
            for problem in error.problems { writeLine(problem, to: STDERR_FILENO) }
            writeLine("\(error.problems.count) problem(s) found; nothing written", to: STDERR_FILENO)
            throw ExitCode.failure
        } catch is LoadCancelled {
            line.show("stopped; nothing written", final: true)
            throw ExitCode(130)
        } catch {
            writeLine("cckm-mock fixtures prepare: \(error); nothing written", to: STDERR_FILENO)
            throw ExitCode.failure
        }
        let seconds = ProgressLine.seconds(ContinuousClock.now - started)
        line.show(
            "prepared \(output): \(ProgressLine.grouped(summary.jobs)) jobs (\(ProgressLine.grouped(summary.inProgress)) in progress), "
                + "\(summary.bytes >> 20) MB, in \(String(format: "%.1f", seconds)) s",
            final: true)
        writeLine("serve it: cckm-mock serve --fixtures \(output)", to: STDOUT_FILENO)
    }
}
