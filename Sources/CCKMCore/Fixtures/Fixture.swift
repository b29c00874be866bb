#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every problem found in fixture files, each naming its file and where in it.
public struct FixtureError: Error, Equatable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String { problems.joined(separator: "\n") }
}

/// A scenario: domains, users, the known targets per family, scripted outcomes, simulator settings
/// per family, and jobs. JSON, or JSON Lines (`.jsonl`, one job per line) for large sets, which are
/// read in batches when seeded instead of held in memory. Format: README "Fixtures" and
/// `fixtures/schema.json`.
public struct Fixture: Sendable, Equatable {
    public var jobs: [Job] = []
    /// Jobs marked `"simulate": false`: kept exactly as written, never moved by the engine.
    package var held: Set<JobKey> = []
    public var domains: [String] = []
    /// Username → password.
    public var users: [String: String] = [:]
    /// Family name → its known targets. A family listed here refuses unknown targets (404).
    package var inventory: [String: [InventoryItem]] = [:]
    package var scripts: [Script] = []
    /// Family name (or `*` for all) → durations and failure rate.
    package var simulation: [String: FamilySimulation] = [:]
    /// JSON Lines files of jobs, validated at load and read again each time they are seeded.
    public var streams: [String] = []
    /// Scheduler job configurations, checked when read.
    package var schedules: [FixtureSchedule] = []
    /// Keys in the fake cloud, and which domains' inventories already hold them (`cloud`).
    package var cloudKeys: [FixtureCloudKey] = []
    /// Stubs in WireMock's format (a fixture's `stubs`, `serve --mappings`): the baseline a reset
    /// returns to.
    package var stubs: [StubMapping] = []
    /// A prepared scenario (`cckm-mock fixtures prepare`): a ready job store that a start copies
    /// and a reset puts back, in place of loading its jobs again. At most one.
    public var prepared: String?

    /// The file name ending of a prepared scenario.
    public static let preparedExtension = ".cckm"

    /// Every domain the fixture names: those it declares, and those of its jobs and schedules (a
    /// fixture's own jobs may be logged in to; JSON Lines files name theirs as they load).
    public var namedDomains: [String] { (domains + jobs.map(\.domain) + schedules.map(\.domain) + cloudKeys.flatMap(\.syncedInto)).uniqued() }

    package init(jobs: [Job] = [], held: Set<JobKey> = []) {
        self.jobs = jobs
        self.held = held
    }

    /// Adds `other`: its jobs replace jobs of the same family and id; its lists add to these.
    package mutating func merge(_ other: Fixture) {
        let incoming = Set(other.jobs.map { JobKey(family: $0.family.name, id: $0.id) })
        jobs.removeAll { incoming.contains(JobKey(family: $0.family.name, id: $0.id)) }
        held.subtract(incoming)
        jobs += other.jobs
        held.formUnion(other.held)
        domains = (domains + other.domains).uniqued()
        users.merge(other.users) { $1 }
        inventory.merge(other.inventory) { $1 }
        scripts.add(other.scripts)
        simulation.merge(other.simulation) { $1 }
        streams = (streams + other.streams).uniqued()
        let replaced = Set(other.schedules.map { [$0.domain, $0.name] })
        schedules.removeAll { replaced.contains([$0.domain, $0.name]) }
        schedules += other.schedules
        let keys = Set(other.cloudKeys.map { "\($0.cloud.rawValue) \($0.cloudID)" })
        cloudKeys.removeAll { keys.contains("\($0.cloud.rawValue) \($0.cloudID)") }
        cloudKeys += other.cloudKeys
        let stubIDs = Set(other.stubs.map(\.id))
        stubs.removeAll { stubIDs.contains($0.id) }
        stubs += other.stubs
        if let image = other.prepared { prepared = image }
    }

    /// What a fixture says besides its jobs and its cloud (domains, users, inventory, scripts,
    /// simulation, schedules): a prepared scenario keeps its fixtures' texts and serves their jobs
    /// and cloud from its store, so these come back from the texts.
    package var withoutJobs: Fixture {
        var rules = self
        rules.cloudKeys = []
        rules.jobs = []
        rules.held = []
        rules.streams = []
        rules.prepared = nil
        return rules
    }

    /// A JSON fixture's text and where it came from (a path, or a built-in scenario's name).
    package struct Text: Sendable, Equatable {
        package var source: String
        package var text: String

        package init(source: String, text: String) {
            self.source = source
            self.text = text
        }
    }

    /// The texts of the JSON fixtures among `paths` (files and built-in scenarios, in order), as a
    /// prepared scenario keeps them; JSON Lines files and prepared scenarios are not among them.
    package static func jsonTexts(paths: [String]) throws(FixtureError) -> [Text] {
        var texts: [Text] = []
        for path in paths where !path.hasSuffix(".jsonl") && !path.hasSuffix(preparedExtension) {
            if let builtIn = BuiltInScenario.resolving(path) {
                texts.append(Text(source: "built-in " + builtIn.name, text: builtIn.text))
            } else {
                texts.append(Text(source: path, text: String(decoding: try readFile(path), as: UTF8.self)))
            }
        }
        return texts
    }

    /// The fixture the texts of a prepared scenario say, without their jobs and cloud, which the
    /// prepared file holds (`withoutJobs`).
    package static func rules(fromTexts texts: [Text], now: Timestamp) throws(FixtureError) -> Fixture {
        var fixture = Fixture()
        for text in texts { fixture.merge(try parse(bytes: Array(text.text.utf8), source: text.source, now: now).withoutJobs) }
        return fixture
    }

    /// Reads and checks every file, reporting all problems of all files at once. Relative times
    /// (`-10m`) count back from `now`. With `checkingStreams` false, JSON Lines files are only
    /// opened: the seed checks their lines as it stores them (`Engine.seed`), which saves a
    /// whole pass over a large file.
    public static func load(paths: [String], now: Timestamp, checkingStreams: Bool = true) throws(FixtureError) -> Fixture {
        var fixture = Fixture()
        var problems: [String] = []
        for path in paths {
            do {
                if path.hasSuffix(".jsonl") {
                    if checkingStreams {
                        try JobLines.validate(path: path, now: now)
                    } else if !FileManager.default.isReadableFile(atPath: path) {
                        problems.append("\(path): cannot read the file")
                        continue
                    }
                    fixture.streams.append(path)
                } else if path.hasSuffix(preparedExtension) {
                    if let image = fixture.prepared {
                        problems.append("\(path): one prepared scenario per start (\(image) is the other); load the rest as fixtures on top of it")
                    } else if !FileManager.default.isReadableFile(atPath: path) {
                        problems.append("\(path): cannot read the file")
                    } else {
                        fixture.prepared = path
                    }
                } else if let builtIn = BuiltInScenario.resolving(path) {
                    fixture.merge(try parse(bytes: Array(builtIn.text.utf8), source: "built-in " + builtIn.name, now: now))
                } else {
                    fixture.merge(try parse(bytes: try readFile(path), source: path, now: now))
                }
            } catch {
                problems += error.problems
            }
        }
        guard problems.isEmpty else { throw FixtureError(problems: problems) }
        return fixture
    }

    package static func readFile(_ path: String) throws(FixtureError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            guard FileManager.default.fileExists(atPath: path) || path.contains("/") else {
                throw FixtureError(problems: ["\(path): no such file, nor a built-in scenario (built-in: \(BuiltInScenario.names))"])
            }
            throw FixtureError(problems: ["\(path): cannot read the file"])
        }
        return [UInt8](data)
    }

    /// Parses one fixture document; `source` names it in problems.
    package static func parse(bytes: [UInt8], source: String, now: Timestamp) throws(FixtureError) -> Fixture {
        let document: JSONValue
        let locator: JSONLocator
        do {
            (document, locator) = try JSONParser.parseWithLocator(bytes)
        } catch {
            throw FixtureError(problems: ["\(source):\(error.line):\(error.column): \(error.reason)"])
        }
        var reader = FixtureReader(source: source, locator: locator, now: now)
        let fixture = reader.read(document)
        guard reader.problems.isEmpty else { throw FixtureError(problems: reader.problems) }
        return fixture
    }
}

/// A scheduler job configuration a fixture declares: its members as a `POST` would send them, the
/// domain it belongs to (root by default) and, optionally, its id.
package struct FixtureSchedule: Sendable, Equatable {
    package var id: String?
    package var domain: String
    package var name: String
    package var members: JSONValue
}

/// A key a fixture puts into the fake AWS cloud (`cloud.aws[]`), and the domains whose inventory
/// holds it already, as if a sync had brought it at the load.
/// A record of a fixture's `cloud`: where it lives, its id, name and parameters over the
/// defaults, and the domains whose inventories already hold it.
package struct FixtureCloudKey: Sendable, Equatable {
    package var cloud: CloudKey.Cloud
    package var cloudID: String
    /// As the cloud's records name it: AWS `<account>/<region>`, an Azure or OCI vault, a key ring.
    package var container: String
    /// AWS: the alias without `alias/`; elsewhere the name.
    package var name: String
    package var parameters: [(key: String, value: JSONValue)]
    package var syncedInto: [String]

    package static func == (lhs: FixtureCloudKey, rhs: FixtureCloudKey) -> Bool {
        lhs.cloud == rhs.cloud && lhs.cloudID == rhs.cloudID && lhs.container == rhs.container && lhs.name == rhs.name
            && JSONValue.object(lhs.parameters) == JSONValue.object(rhs.parameters) && lhs.syncedInto == rhs.syncedInto
    }
}

/// One known target: a name, and for AWS its account and regions, for Azure its location.
package struct InventoryItem: Sendable, Equatable {
    package var name: String
    package var account: String?
    package var regions: [String]?
    package var location: String?
}

/// "Target eu-west-1 of aws jobs fails after 30 s with this message": applies to seeded jobs and
/// to jobs started later, matched by family, target (a `detailed_status` key, or its part after
/// the last `/`) and, when given, job id.
package struct Script: Sendable, Equatable {
    package enum Outcome: String, Sendable, Equatable {
        case succeed, fail
        /// Never ends on its own: only cancel or `/__admin/jobs/{id}/complete|fail` end it.
        case hang
    }

    package var family: String
    package var target: String?
    package var job: String?
    package var after: Double?
    package var outcome: Outcome
    package var message: String?

    package func matches(family: JobFamily, jobID: String, target key: String) -> Bool {
        family.name == self.family && (job == nil || job == jobID)
            && (target == nil || target == key || key.hasSuffix("/" + (target ?? "")))
    }
}

extension [Script] {
    /// Appends `scripts`, each first taking out any script with the same match (family, job,
    /// target): the later one always wins that match (`last(where:)`), so the earlier is dead
    /// weight, and loading one fixture again must not grow the list.
    package mutating func add(_ scripts: [Script]) {
        for script in scripts {
            removeAll { $0.family == script.family && $0.job == script.job && $0.target == script.target }
            append(script)
        }
    }
}

/// Simulator settings for one family.
package struct FamilySimulation: Sendable, Equatable {
    package var targetDuration: ClosedRange<Double>?
    package var failureRate: Double?
}

/// A job's identity across the store: ids are unique within a family.
package struct JobKey: Sendable, Hashable {
    package var family: String
    package var id: String

    package init(family: String, id: String) {
        self.family = family
        self.id = id
    }
}

/// `8-4-4-4-12` hexadecimal digits, either case.
package func isUUID(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count == 36 else { return false }
    for (index, byte) in bytes.enumerated() {
        if [8, 13, 18, 23].contains(index) {
            guard byte == UInt8(ascii: "-") else { return false }
        } else {
            guard (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte) else { return false }
        }
    }
    return true
}

/// A scenario compiled into the binary (`fixtures/NAME.json` at build time): `--fixtures NAME`.
public struct BuiltInScenario: Sendable {
    public let name: String
    /// One line on what it holds, for `cckm-mock fixtures list`.
    public let summary: String
    public let text: String

    public static var all: [BuiltInScenario] { BuiltInScenarios.all }

    /// The scenario a bare name (`demo`, or `demo.json`) names; nil for anything with a `/`.
    public static func named(_ name: String) -> BuiltInScenario? {
        guard !name.contains("/") else { return nil }
        let bare = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        return all.first { $0.name == bare }
    }

    /// What `--fixtures NAME` loads: a file that exists wins over a built-in of the same name.
    public static func resolving(_ argument: String) -> BuiltInScenario? {
        FileManager.default.fileExists(atPath: argument) ? nil : named(argument)
    }

    /// The built-in names, comma-separated, for messages.
    public static var names: String { all.map(\.name).joined(separator: ", ") }
}
