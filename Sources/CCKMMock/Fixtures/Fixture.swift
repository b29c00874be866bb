#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every problem found in fixture files, each naming its file and where in it.
public struct FixtureError: Error, Equatable, CustomStringConvertible {
    public var problems: [String]

    public var description: String { problems.joined(separator: "\n") }
}

/// A scenario file: jobs to seed, in JSON. The format (see README, "Fixtures"):
///
///     {"jobs": [{"family": "aws", "domain": "root", "id": "…", "createdAt": "…", …job fields…}]}
///
/// Job fields are the API's own, so an API response can be pasted in and given a `family`.
public struct Fixture: Sendable, Equatable {
    public var jobs: [Job]
    /// Jobs marked `"simulate": false`: kept exactly as written, never moved by the simulator.
    public var held: Set<JobKey> = []

    public init(jobs: [Job], held: Set<JobKey> = []) {
        self.jobs = jobs
        self.held = held
    }

    /// Adds `other`'s jobs; a job of the same family and id is replaced.
    public mutating func merge(_ other: Fixture) {
        let incoming = Set(other.jobs.map { JobKey(family: $0.family.name, id: $0.id) })
        jobs.removeAll { incoming.contains(JobKey(family: $0.family.name, id: $0.id)) }
        held.subtract(incoming)
        jobs += other.jobs
        held.formUnion(other.held)
    }

    /// Reads and checks every file, reporting all problems of all files at once.
    public static func load(paths: [String]) throws(FixtureError) -> Fixture {
        var fixture = Fixture(jobs: [])
        var problems: [String] = []
        for path in paths {
            do {
                let one = try parse(bytes: try readFile(path), source: path)
                fixture.jobs += one.jobs
                fixture.held.formUnion(one.held)
            } catch {
                problems += error.problems
            }
        }
        guard problems.isEmpty else { throw FixtureError(problems: problems) }
        return fixture
    }

    private static func readFile(_ path: String) throws(FixtureError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FixtureError(problems: ["\(path): cannot read the file"])
        }
        return [UInt8](data)
    }

    /// Parses one fixture; `source` names it in problems.
    public static func parse(bytes: [UInt8], source: String) throws(FixtureError) -> Fixture {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw FixtureError(problems: ["\(source):\(error.line):\(error.column): \(error.reason)"])
        }
        var reader = FixtureReader(source: source)
        let jobs = reader.read(document)
        guard reader.problems.isEmpty else { throw FixtureError(problems: reader.problems) }
        return Fixture(jobs: jobs, held: reader.held)
    }
}

extension Job {
    /// Reads a job back from the JSON the store keeps for it.
    static func decode(document: String, family: JobFamily, domain: String) throws -> Job {
        guard case .object(var members) = try JSONParser.parse(document) else { throw StoreError.corruptDocument(problems: ["not an object"]) }
        members.append(("family", .string(family.name)))
        members.append(("domain", .string(domain)))
        var reader = FixtureReader(source: "store")
        guard let job = reader.job(.object(members), at: "$"), reader.problems.isEmpty else {
            throw StoreError.corruptDocument(problems: reader.problems)
        }
        return job
    }
}

/// Walks a parsed fixture, collecting jobs and, for everything wrong, one problem with its JSON path.
private struct FixtureReader {
    let source: String
    var problems: [String] = []
    var held: Set<JobKey> = []

    mutating func read(_ document: JSONValue) -> [Job] {
        guard let members = document.objectValue else {
            problem("$", "expected an object with a \"jobs\" array, got \(document.typeName)")
            return []
        }
        for member in members where member.key != "jobs" {
            problem("$.\(member.key)", "unknown field (known: jobs)")
        }
        guard let jobs = document["jobs"] else { return [] }
        guard let items = jobs.arrayValue else {
            problem("$.jobs", "expected an array, got \(jobs.typeName)")
            return []
        }
        return items.enumerated().compactMap { index, item in job(item, at: "$.jobs[\(index)]") }
    }

    private static let commonFields: Set<String> = [
        "family", "domain", "id", "uri", "account", "application", "devAccount", "createdAt", "updatedAt", "completed_at",
        "overall_status", "detailed_status", "cloud", "abort", "simulate",
    ]

    mutating func job(_ value: JSONValue, at path: String) -> Job? {
        guard let members = value.objectValue else {
            problem(path, "expected a job object, got \(value.typeName)")
            return nil
        }
        let before = problems.count
        guard let familyName = string(value, "family", at: path, required: true) else { return nil }
        guard let family = JobFamily.named(familyName) else {
            problem(path + ".family", "unknown family \"\(familyName)\" (known: \(JobFamily.all.map(\.name).joined(separator: ", ")))")
            return nil
        }
        for member in members where !Self.commonFields.contains(member.key) && !family.targetFields.contains(member.key) {
            let known = (Self.commonFields.sorted() + family.targetFields).joined(separator: ", ")
            problem(path + "." + member.key, "unknown field for family \(family.name) (known: \(known))")
        }
        let id = string(value, "id", at: path, required: true) ?? ""
        if !id.isEmpty && !isUUID(id) { problem(path + ".id", "\"\(id)\" is not a UUID") }
        let createdAt = timestamp(value, "createdAt", at: path, required: true)
        let updatedAt = timestamp(value, "updatedAt", at: path)
        let completedAt = timestamp(value, "completed_at", at: path)
        var status = JobStatus.inProgress
        if let text = string(value, "overall_status", at: path) {
            if let parsed = JobStatus(lenient: text) {
                status = parsed
            } else {
                problem(path + ".overall_status", "\"\(text)\" is not one of in_progress, completed, failed")
            }
        }
        let targets = family.targetFields.map { stringList(value, $0, at: path) ?? [] }
        var abort = false
        if let flag = value["abort"] {
            if case .bool(let set) = flag { abort = set } else { problem(path + ".abort", "expected a boolean, got \(flag.typeName)") }
        }
        let detailed = detailedStatus(value, at: path)
        if let simulate = value["simulate"] {
            if case .bool(let on) = simulate {
                if !on { held.insert(JobKey(family: family.name, id: id.lowercased())) }
            } else {
                problem(path + ".simulate", "expected a boolean, got \(simulate.typeName)")
            }
        }
        guard problems.count == before, let createdAt else { return nil }
        var job = Job(
            family: family, domain: string(value, "domain", at: path) ?? "root", id: id.lowercased(), createdAt: createdAt,
            updatedAt: updatedAt, completedAt: completedAt, status: status, detailedStatus: detailed, targets: targets, abort: abort)
        if let uri = string(value, "uri", at: path) { job.uri = uri }
        if let account = string(value, "account", at: path) { job.account = account }
        if let application = string(value, "application", at: path) { job.application = application }
        if let devAccount = string(value, "devAccount", at: path) { job.devAccount = devAccount }
        if let cloud = string(value, "cloud", at: path) { job.cloud = cloud }
        return job
    }

    private mutating func string(_ object: JSONValue, _ key: String, at path: String, required: Bool = false) -> String? {
        guard let value = object[key] else {
            if required { problem(path, "missing required field \"\(key)\"") }
            return nil
        }
        guard let text = value.stringValue else {
            problem(path + "." + key, "expected a string, got \(value.typeName)")
            return nil
        }
        return text
    }

    private mutating func timestamp(_ object: JSONValue, _ key: String, at path: String, required: Bool = false) -> Timestamp? {
        guard let text = string(object, key, at: path, required: required) else { return nil }
        guard let time = Timestamp(rfc3339: text) else {
            problem(path + "." + key, "\"\(text)\" is not an RFC 3339 time such as 2020-11-05T06:38:25.308834Z")
            return nil
        }
        return time
    }

    private mutating func stringList(_ object: JSONValue, _ key: String, at path: String) -> [String]? {
        guard let value = object[key] else { return nil }
        guard let items = value.arrayValue else {
            problem(path + "." + key, "expected an array of strings, got \(value.typeName)")
            return nil
        }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            if let text = item.stringValue {
                strings.append(text)
            } else {
                problem("\(path).\(key)[\(index)]", "expected a string, got \(item.typeName)")
            }
        }
        return strings
    }

    private mutating func detailedStatus(_ object: JSONValue, at path: String) -> [Job.TargetStatus]? {
        guard let value = object["detailed_status"] else { return nil }
        guard let members = value.objectValue else {
            problem(path + ".detailed_status", "expected an object of target to message, got \(value.typeName)")
            return nil
        }
        var entries: [Job.TargetStatus] = []
        for member in members {
            if let message = member.value.stringValue {
                entries.append(Job.TargetStatus(target: member.key, message: message))
            } else {
                problem("\(path).detailed_status.\(member.key)", "expected a string message, got \(member.value.typeName)")
            }
        }
        return entries
    }

    private mutating func problem(_ path: String, _ message: String) {
        problems.append("\(source): \(path): \(message)")
    }
}

/// A job's identity across the store: ids are unique within a family.
public struct JobKey: Sendable, Hashable {
    public var family: String
    public var id: String
}

/// `8-4-4-4-12` hexadecimal digits, either case.
func isUUID(_ text: String) -> Bool {
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
