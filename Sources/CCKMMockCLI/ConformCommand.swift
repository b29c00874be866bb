import ArgumentParser
import CCKMCore
import CCKMLab
import CCKMMock
import CCKMServer
import HTTPServer
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// `cckm-mock conform`: where the mock and a team's lab CM answer differently in shape.
public struct ConformCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "conform",
        abstract: "Compare the mock with a live CipherTrust Manager: where they answer differently in shape.",
        discussion: """
            Sends the same probes to the lab CM and to the mock (in-process on :memory: with the docs' examples, \
            or --mock URL): each family's lists, a job by each side's own first id, an unknown id, a bad parameter, \
            no token; the password and refresh logins; the scheduler's lists; GET /api/v1/system/info. Each answer \
            becomes paths with JSON types and string formats; values that differ between any two CMs (ids, times, \
            counts) are not compared. Read-only by default: GETs and the logins. Exit codes: 0 no new difference at \
            or above --fail-on, 1 differences, 2 usage, 3 nothing could be checked (the lab CM cannot be reached or \
            refused the login). Credentials can come from CCKM_MOCK_CONFORM_USERNAME and CCKM_MOCK_CONFORM_PASSWORD; \
            they are never printed or written to a report.
            """
    )

    @Option(help: ArgumentHelp("The lab CM's base URL, e.g. https://lab-cm.example.", valueName: "url"))
    public var against: String
    @Option(help: "User to log in to the lab CM as. (env: CCKM_MOCK_CONFORM_USERNAME)")
    public var username: String?
    @Option(help: "Password of --username. (env: CCKM_MOCK_CONFORM_PASSWORD; prefer it: a flag stays in shell history)")
    public var password: String?
    @Option(help: ArgumentHelp("The lab CM domain to log in to (default: root).", valueName: "name"))
    public var domain: String?
    @Option(help: ArgumentHelp("A running mock to compare instead of one in-process, e.g. http://127.0.0.1:8443.", valueName: "url"))
    public var mock: String?
    @Option(help: "User and password to log in to --mock as, USER:PASSWORD. (default: admin:admin)")
    public var mockUser = "admin:admin"
    @Option(help: ArgumentHelp("Report format: text (by family), json or junit.", valueName: "format"))
    public var format = "text"
    @Option(help: ArgumentHelp("Exit 1 when a new difference is at least this severe: error, warning or never.", valueName: "severity"))
    public var failOn = "error"
    @Option(help: ArgumentHelp("Differences accepted as known (a file --update-baseline wrote).", valueName: "file"))
    public var baseline: String?
    @Flag(help: "Write every difference of this run to --baseline, accepted.")
    public var updateBaseline = false
    @Flag(
        help:
            "Also send requests of other methods meant to leave nothing behind: a wrong method on a list, a cancel of an unknown id, a start with no targets, a disabled job configuration created and deleted."
    )
    public var allowWrites = false
    @Flag(
        help:
            "Also run a real job on each --target, on both sides, and compare every step: the start, a second start while it runs, the job running and ended, a cancel of the ended job."
    )
    public var allowJobs = false
    @Option(
        name: .customLong("target"),
        help: ArgumentHelp("A target the jobs tier may synchronize: FAMILY=ID, or FAMILY.FIELD=ID (aws.kms=ID); repeatable.", valueName: "family=id"))
    public var targets: [String] = []
    @Option(help: "Seconds a job of the jobs tier may run on either side before it counts as could not check.")
    public var jobTimeout: Double = 300
    @Option(help: ArgumentHelp("PEM file of the certificates that sign the lab CM's (default: the system's).", valueName: "file"))
    public var caCert: String?
    @Flag(help: "Do not check the lab CM's certificate (every report says so).")
    public var insecure = false
    @Option(help: "Seconds each request may take.")
    public var timeout: Double = 10
    @Option(help: "Most requests a second to the lab CM.")
    public var rate: Double = 20
    @Option(
        help: ArgumentHelp(
            "Keep the lab CM's jobs of each family's first page here, anonymized as record --anonymize does, as a fixture the mock loads (conform-live.json).",
            valueName: "dir"))
    public var saveLive: String?
    @Option(help: ArgumentHelp("The CM release the in-process mock answers as.", valueName: "version"))
    public var cmVersion: String?

    public init() {}

    var severity: ConformDifference.Severity? { failOn == "never" ? nil : ConformDifference.Severity(rawValue: failOn) }

    public func validate() throws {
        try checkURLOption(against, flag: "--against", advice: "give them with --username and CCKM_MOCK_CONFORM_PASSWORD")
        if let mock { try checkURLOption(mock, flag: "--mock", advice: "give them with --mock-user") }
        guard ["text", "json", "junit"].contains(format) else { throw ValidationError("--format must be text, json or junit, got \(format)") }
        guard failOn == "never" || severity != nil else { throw ValidationError("--fail-on must be error, warning or never, got \(failOn)") }
        guard mockUser.contains(":") else { throw ValidationError("--mock-user must be USER:PASSWORD") }
        if updateBaseline, baseline == nil { throw ValidationError("--update-baseline writes the file --baseline names; give --baseline FILE") }
        if caCert != nil, insecure { throw ValidationError("--ca-cert and --insecure exclude each other") }
        if let caCert, !FileManager.default.isReadableFile(atPath: caCert) { throw ValidationError("--ca-cert \(caCert): cannot read the file") }
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be more than 0 and at most 600 seconds") }
        if allowJobs != !targets.isEmpty {
            throw ValidationError(
                allowJobs ? "--allow-jobs runs jobs on the targets --target names; give at least one" : "--target is for --allow-jobs")
        }
        for target in targets {
            if case .failure(let error) = ConformJobTarget.parse(target) { throw ValidationError("--target \(target): \(error.description)") }
        }
        guard jobTimeout > 0, jobTimeout <= 3600 else { throw ValidationError("--job-timeout must be more than 0 and at most 3600 seconds") }
        guard rate > 0, rate <= 1000 else { throw ValidationError("--rate must be more than 0 and at most 1000 requests a second") }
    }

    public func run() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let user = username ?? environment["CCKM_MOCK_CONFORM_USERNAME"], let secret = password ?? environment["CCKM_MOCK_CONFORM_PASSWORD"]
        else {
            printError("conform: give the lab CM's credentials: --username, and CCKM_MOCK_CONFORM_PASSWORD (or --password)")
            throw ExitCode(2)
        }
        var accepted: Set<String> = []
        if let baseline, !updateBaseline || FileManager.default.fileExists(atPath: baseline) {
            do {
                accepted = try ConformReport.baselineKeys(Array(try Data(contentsOf: URL(fileURLWithPath: baseline))))
            } catch {
                printError("conform: --baseline \(baseline): \(error)")
                throw ExitCode(2)
            }
        }
        if insecure { printError("conform: warning: --insecure: the lab CM's certificate is not checked") }
        let liveClient = HTTPClient(
            endpoint: HTTPClient.Endpoint(url: against)!, timeout: timeout, trust: insecure ? .any : caCert.map(HTTPClient.Trust.file) ?? .system)
        let live = ConformSide(label: "live", client: liveClient, username: user, password: secret, domain: domain, requestsPerSecond: rate)
        // The in-process mock: plain HTTP on a loopback port of its own, login on, the docs' examples.
        var server: ServingMock?
        var ticker: Task<Void, Never>?
        defer {
            ticker?.cancel()
            server?.shutdown()
        }
        let mockURL: String
        if let mock {
            mockURL = mock
        } else {
            var configuration = MockConfiguration(
                http: HTTPServerConfiguration(host: "127.0.0.1", port: 0), store: .memory, fixtures: ["docs-examples"], tls: .off)
            configuration.cmVersion = cmVersion ?? SystemInfo.defaultVersion
            var logger = Logger(label: "cckm-mock conform")
            logger.logLevel = .error
            let started = try ServingMock.start(configuration, logger: logger)
            server = started
            mockURL = started.url
            // Its jobs run on the system clock, as a lab CM's do.
            if allowJobs { ticker = Task { try? await SimulatorService(engine: started.app.engine, logger: logger).run() } }
        }
        let parts = mockUser.split(separator: ":", maxSplits: 1).map(String.init)
        let mockSide = ConformSide(
            label: "mock", client: HTTPClient(endpoint: HTTPClient.Endpoint(url: mockURL)!, timeout: timeout, trust: .any),
            username: parts[0], password: parts[1], domain: nil, requestsPerSecond: 0)
        var conformance = Conformance(
            mock: mockSide, live: live, probes: ConformProbe.all(tier: allowWrites ? .write : .read, names: "cckm-mock-conform-\(getpid())"))
        conformance.progress = { printError(ConformReport.printable($0)) }
        conformance.jobTargets = targets.compactMap { try? ConformJobTarget.parse($0).get() }
        conformance.jobTimeout = .milliseconds(Int64(jobTimeout * 1000))
        let result: Conformance.Result
        do {
            result = try conformance.run()
        } catch {
            printError("conform: nothing could be checked: " + ConformReport.printable("\(error)"))
            throw ExitCode(3)
        }
        let report = ConformReport(result: result, baseline: accepted, insecure: insecure)
        switch format {
        case "json": writeAll(report.json, to: STDOUT_FILENO)
        case "junit": writeAll(report.junit, to: STDOUT_FILENO)
        default: writeAll(report.text, to: STDOUT_FILENO)
        }
        if result.checkedPastLogins == 0 {
            printError("conform: nothing past the logins could be checked: \(ConformReport.printable(report.uncheckedWarning))")
            throw ExitCode(3)
        }
        if let saveLive {
            var anonymizer = Anonymizer()
            let jobs = result.liveJobs.map { anonymizer.anonymize(Recorder.fitted($0)) }
            let path = saveLive + "/conform-live.json"
            do {
                // Checked as `fixtures validate` would: a file the mock refuses is not written.
                try Recorder.validate(jobs, domains: [domain ?? Job.rootDomain])
                try FileManager.default.createDirectory(atPath: saveLive, withIntermediateDirectories: true)
                try Recorder.fixture(jobs, domains: [domain ?? Job.rootDomain], jsonLines: false).write(
                    toFile: path, atomically: true, encoding: .utf8)
                printError("conform: \(jobs.count) jobs of the lab CM written to \(path), anonymized")
            } catch {
                printError("conform: --save-live: nothing written to \(path): " + ConformReport.printable("\(error)"))
                throw ExitCode.failure
            }
        }
        if updateBaseline, let baseline {
            do {
                try report.baselineFile.write(toFile: baseline, atomically: true, encoding: .utf8)
                printError("conform: \(result.differences.count) differences written to \(baseline) as known")
            } catch {
                printError("conform: cannot write \(baseline): \(error)")
                throw ExitCode.failure
            }
            return
        }
        if !result.leftOnLab.isEmpty {
            printError("conform: \(result.leftOnLab.count) writes left something on the lab CM (named in the report)")
            throw ExitCode.failure
        }
        if report.fails(at: severity) { throw ExitCode.failure }
    }
}
