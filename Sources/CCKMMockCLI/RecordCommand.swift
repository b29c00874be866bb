import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMLab
import CCKMMock
import CCKMStore
import HTTPServer

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// `cckm-mock record`: a fixture recorded from a live CipherTrust Manager (or a mock).
public struct RecordCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a fixture from a live CipherTrust Manager: every family's jobs in each domain.",
        discussion: """
            Logs in like a client (or uses --token), pages through every family's job list with limit and skip \
            until total, and writes a fixture that validates and loads: the domains, and the jobs exactly as \
            served. A family the server does not have (404) is skipped with a note; a 401 mid-way logs in again \
            once; progress goes to standard error. The file is written whole or not at all. Exits 1 at the first \
            answer that is not what a CM gives.
            """
    )

    @Option(help: ArgumentHelp("The server's base URL, e.g. https://cm.example.test.", valueName: "url"))
    public var from: String

    @Option(help: "User to log in as (with --password).")
    public var user: String?

    @Option(help: "Password of --user.")
    public var password: String?

    @Option(help: "A bearer token to use instead of a login (one domain: its own).")
    public var token: String?

    @Option(name: .customLong("domain"), help: ArgumentHelp("A domain to record; repeatable (default: root).", valueName: "name"))
    public var domains: [String] = []

    @Option(
        help: ArgumentHelp("PEM file of the certificates that sign the server's (default: the system's certificate authorities).", valueName: "file"))
    public var ca: String?

    @Flag(help: "Do not check the server's certificate.")
    public var insecure = false

    @Option(
        name: .customLong("family"),
        help: ArgumentHelp("A family to record, by its mock name (aws, azure, …); repeatable (default: all).", valueName: "name"))
    public var families: [String] = []

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Where to write: JSON, or JSON Lines when the name ends in .jsonl (default: standard output).", valueName: "file"))
    public var output: String?

    @Option(
        name: .customLong("stubs"), parsing: .upToNextOption,
        help: ArgumentHelp(
            "Paths (with their queries) to record as WireMock stubs: what the server answers to a GET of each, served by the fixture beside the modelled API.",
            valueName: "path"))
    public var stubPaths: [String] = []

    @Flag(help: "Replace account ids and target names (vaults, key rings, organizations, …) with consistent stand-ins.")
    public var anonymize = false

    @Option(
        name: .customLong("max-mb"),
        help: "Most megabytes of answers to keep: the recording is held whole until it is checked and written. (default: 1024)")
    public var maxMegabytes: Int = 1024

    @Option(help: "Seconds each request may take.")
    public var timeout: Double = 30

    public init() {}

    public func validate() throws {
        try checkURLOption(from, flag: "--from", advice: "give them with --user and --password, or --token")
        guard (user != nil) == (password != nil) else { throw ValidationError("--user and --password go together") }
        guard (user != nil) != (token != nil) else { throw ValidationError("give either --user and --password, or --token") }
        if token != nil, domains.count > 1 { throw ValidationError("--token is one domain's: record one --domain with it") }
        if ca != nil, insecure { throw ValidationError("--ca and --insecure exclude each other") }
        if let ca, !FileManager.default.isReadableFile(atPath: ca) { throw ValidationError("--ca \(ca): cannot read the file") }
        for name in families where JobFamily.named(name) == nil {
            throw ValidationError("--family: " + JobFamily.unknown(name))
        }
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be more than 0 and at most 600 seconds") }
        for path in stubPaths where !path.hasPrefix("/") || path.hasPrefix("/__admin") {
            throw ValidationError("--stubs \(path): a path on the server, starting with / (the control API /__admin is not CM's)")
        }
        if !stubPaths.isEmpty, output?.hasSuffix(".jsonl") == true {
            throw ValidationError("--stubs needs a .json output: JSON Lines hold jobs only")
        }
    }

    public func run() throws {
        guard let endpoint = HTTPClient.Endpoint(url: from) else { throw ExitCode.validationFailure }
        let recordedDomains = domains.isEmpty ? [Job.rootDomain] : domains
        var recorder = Recorder(
            client: HTTPClient(endpoint: endpoint, timeout: timeout, trust: insecure ? .any : ca.map(HTTPClient.Trust.file) ?? .system),
            credentials: token.map(Recorder.Credentials.token) ?? .password(user: user ?? "", password: password ?? ""),
            domains: recordedDomains, families: families.isEmpty ? JobFamily.all : families.compactMap(JobFamily.named))
        recorder.progress = { printError("record: " + ConformReport.printable($0)) }
        recorder.maxBytes = maxMegabytes << 20
        var jobs: [JSONValue]
        var keys: [JSONValue]
        var stubs: [JSONValue]
        let jsonLines = output?.hasSuffix(".jsonl") == true
        do {
            jobs = try recorder.record()
            try Recorder.validate(jobs, domains: recordedDomains)
            keys = jsonLines ? [] : try recorder.recordKeys()
            stubs = try recorder.recordStubs(stubPaths)
        } catch {
            printError("record: " + ConformReport.printable(error.description))
            throw ExitCode.failure
        }
        if jsonLines { printError("record: JSON Lines hold jobs only; record to a .json file to keep the AWS key inventory too") }
        if anonymize {
            var anonymizer = Anonymizer()
            jobs = jobs.map { anonymizer.anonymize($0) }
            keys = keys.map { anonymizer.anonymizeKey($0) }
            stubs = stubs.map { anonymizer.anonymizeStub($0) }
        }
        let text = Recorder.fixture(jobs, keys: keys, stubs: stubs, domains: recordedDomains, jsonLines: jsonLines)
        guard let output else {
            writeAll(text, to: STDOUT_FILENO)
            return
        }
        // Written beside the target and renamed at the end: a failed write leaves no half a fixture.
        let partial = output + ".partial-\(getpid())"
        do {
            try text.write(toFile: partial, atomically: false, encoding: .utf8)
            guard rename(partial, output) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            unlink(partial)
            printError("record: cannot write \(output): \(error)")
            throw ExitCode.failure
        }
        printError(
            "record: \(jobs.count) jobs, \(keys.count) AWS keys and \(stubs.count) stubs in \(recordedDomains.count) domain(s) written to \(output)")
    }
}
