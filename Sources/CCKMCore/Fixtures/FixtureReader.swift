/// Walks a parsed fixture, building it and collecting, for everything wrong, one problem with
/// its file, line, column and JSON path.
package struct FixtureReader {
    package let source: String
    package let locator: JSONLocator?
    package let now: Timestamp
    /// Added to line numbers: a JSON Lines record is parsed alone, its line known to the caller.
    package var lineOffset = 0
    /// The first `reportedLimit` problems, each with its position.
    package private(set) var reported: [String] = []
    /// Problems found past the first `reportedLimit`: counted, not located (locating each one
    /// scanned the document: 100,000 problems in a 200 KB body took 5.8 s).
    package private(set) var unreported = 0

    /// The most problems reported with their positions; the rest are counted.
    package static let reportedLimit = 100

    package var problemCount: Int { reported.count + unreported }

    /// What to show: the reported problems, and a line counting the rest.
    package var problems: [String] {
        reported + (unreported > 0 ? ["\(source): … and \(unreported) more problems"] : [])
    }
    package var held: Set<JobKey> = []
    /// Whether an `in_progress` job must have a target left to run: true for fixtures; false for
    /// the store's own documents, where a job whose last target just ended is one such until its
    /// completion is written in the same transaction.
    package var requiresRunningTarget = true

    package init(source: String, locator: JSONLocator?, now: Timestamp) {
        self.source = source
        self.locator = locator
        self.now = now
    }

    package static let sections = ["domains", "users", "inventory", "simulator", "scripts", "schedules", "cloud", "stubs", "jobs"]

    package mutating func read(_ document: JSONValue) -> Fixture {
        var fixture = Fixture()
        guard let members = document.objectValue else {
            problem("$", "expected an object with \(Self.sections.joined(separator: ", ")), got \(document.typeName)")
            return fixture
        }
        for member in members where !Self.sections.contains(member.key) {
            problem("$.\(member.key)", "unknown field (known: \(Self.sections.joined(separator: ", ")))")
        }
        fixture.domains = strings(document["domains"], at: "$.domains") ?? []
        fixture.users = users(document["users"], at: "$.users")
        fixture.inventory = inventory(document["inventory"], at: "$.inventory")
        fixture.simulation = simulation(document["simulator"], at: "$.simulator")
        fixture.scripts = scripts(document["scripts"], at: "$.scripts")
        fixture.schedules = schedules(document["schedules"], at: "$.schedules")
        fixture.cloudKeys = cloud(document["cloud"], at: "$.cloud")
        fixture.stubs = stubs(document["stubs"], at: "$.stubs")
        if let jobs = document["jobs"] {
            if let items = jobs.arrayValue {
                fixture.jobs = items.enumerated().compactMap { index, item in job(item, at: "$.jobs[\(index)]") }
            } else {
                problem("$.jobs", "expected an array, got \(jobs.typeName)")
            }
        }
        fixture.held = held
        return fixture
    }

    // MARK: - Sections

    private mutating func users(_ value: JSONValue?, at path: String) -> [String: String] {
        guard let value else { return [:] }
        guard let items = value.arrayValue else {
            problem(path, "expected an array of {\"username\", \"password\"}, got \(value.typeName)")
            return [:]
        }
        var users: [String: String] = [:]
        for (index, item) in items.enumerated() {
            let here = "\(path)[\(index)]"
            guard item.objectValue != nil else {
                problem(here, "expected {\"username\", \"password\"}, got \(item.typeName)")
                continue
            }
            only(item, ["username", "password"], at: here)
            if let name = string(item, "username", at: here, required: true), let password = string(item, "password", at: here, required: true) {
                users[name] = password
            }
        }
        return users
    }

    private mutating func inventory(_ value: JSONValue?, at path: String) -> [String: [InventoryItem]] {
        guard let value else { return [:] }
        guard let members = value.objectValue else {
            problem(path, "expected an object of family → targets, got \(value.typeName)")
            return [:]
        }
        var inventory: [String: [InventoryItem]] = [:]
        for (familyName, list) in members {
            let here = "\(path).\(familyName)"
            guard JobFamily.named(familyName) != nil else {
                problem(here, JobFamily.unknown(familyName))
                continue
            }
            guard let items = list.arrayValue else {
                problem(here, "expected an array of target names or objects, got \(list.typeName)")
                continue
            }
            // `synchronize_all` starts one job of them all: no more than a body may name.
            guard items.count <= ListQuery.maxFilterValues else {
                problem(here, "\(items.count) targets, more than the \(ListQuery.maxFilterValues) one job may have (synchronize_all runs them all)")
                continue
            }
            inventory[familyName] = items.enumerated().compactMap { index, item in
                let itemPath = "\(here)[\(index)]"
                if let name = item.stringValue { return InventoryItem(name: name) }
                guard item.objectValue != nil else {
                    problem(itemPath, "expected a name or {\"name\", …}, got \(item.typeName)")
                    return nil
                }
                only(item, ["name", "account", "regions", "location"], at: itemPath)
                guard let name = string(item, "name", at: itemPath, required: true) else { return nil }
                return InventoryItem(
                    name: name, account: string(item, "account", at: itemPath), regions: strings(item["regions"], at: itemPath + ".regions"),
                    location: string(item, "location", at: itemPath))
            }
        }
        return inventory
    }

    private mutating func simulation(_ value: JSONValue?, at path: String) -> [String: FamilySimulation] {
        guard let value else { return [:] }
        guard let members = value.objectValue else {
            problem(path, "expected an object of family (or \"*\") → {\"targetDuration\", \"failureRate\"}, got \(value.typeName)")
            return [:]
        }
        var result: [String: FamilySimulation] = [:]
        for (key, settings) in members {
            let here = "\(path).\(key)"
            guard key == "*" || JobFamily.named(key) != nil else {
                problem(here, "unknown family \"\(key)\" (use a family name or \"*\")")
                continue
            }
            guard settings.objectValue != nil else {
                problem(here, "expected {\"targetDuration\", \"failureRate\"}, got \(settings.typeName)")
                continue
            }
            only(settings, ["targetDuration", "failureRate"], at: here)
            var simulation = FamilySimulation()
            if let duration = settings["targetDuration"] {
                let text = duration.stringValue ?? (duration.intValue.map(String.init) ?? "")
                if let range = durationRange(text) {
                    simulation.targetDuration = range
                } else {
                    problem(
                        here + ".targetDuration",
                        "expected seconds as N or \"MIN-MAX\", at most \(Int(maxTargetDuration)) (10 years), got \(duration.jsonText)")
                }
            }
            if let rate = settings["failureRate"] {
                if case .number(let text) = rate, let number = Double(text), (0...1).contains(number) {
                    simulation.failureRate = number
                } else {
                    problem(here + ".failureRate", "expected a number from 0 to 1, got \(rate.jsonText)")
                }
            }
            result[key] = simulation
        }
        return result
    }

    private mutating func scripts(_ value: JSONValue?, at path: String) -> [Script] {
        guard let value else { return [] }
        guard let items = value.arrayValue else {
            problem(path, "expected an array of scripts, got \(value.typeName)")
            return []
        }
        return items.enumerated().compactMap { index, item in
            let here = "\(path)[\(index)]"
            guard item.objectValue != nil else {
                problem(here, "expected a script object, got \(item.typeName)")
                return nil
            }
            only(item, ["family", "target", "job", "after", "outcome", "message"], at: here)
            guard let family = string(item, "family", at: here, required: true) else { return nil }
            guard JobFamily.named(family) != nil else {
                problem(here + ".family", JobFamily.unknown(family))
                return nil
            }
            let outcomeText = string(item, "outcome", at: here) ?? "succeed"
            guard let outcome = Script.Outcome(rawValue: outcomeText) else {
                problem(here + ".outcome", "\"\(outcomeText)\" is not one of succeed, fail, hang")
                return nil
            }
            var after: Double?
            if let value = item["after"] {
                if case .number(let text) = value, let seconds = Double(text), seconds >= 0, seconds <= maxTargetDuration {
                    after = seconds
                } else {
                    problem(here + ".after", "expected seconds from 0 to \(Int(maxTargetDuration)) (10 years), got \(value.jsonText)")
                }
            }
            return Script(
                family: family, target: string(item, "target", at: here), job: string(item, "job", at: here)?.lowercased(), after: after,
                outcome: outcome, message: string(item, "message", at: here))
        }
    }

    /// Scheduler job configurations, each checked as `POST /api/v1/scheduler/job-configs` checks it.
    private mutating func schedules(_ value: JSONValue?, at path: String) -> [FixtureSchedule] {
        guard let value else { return [] }
        guard let items = value.arrayValue else {
            problem(path, "expected an array of scheduler job configurations, got \(value.typeName)")
            return []
        }
        return items.enumerated().compactMap { index, item -> FixtureSchedule? in
            let here = "\(path)[\(index)]"
            guard let members = item.objectValue else {
                problem(here, "expected a scheduler job configuration object, got \(item.typeName)")
                return nil
            }
            let id = string(item, "id", at: here)
            if let id, !isUUID(id) { problem(here + ".id", "\"\(id)\" is not a UUID") }
            let own = members.filter { $0.key != "id" && $0.key != "domain" }
            let config: SchedulerConfig
            do throws(InputError) {
                config = try SchedulerConfig(fields: own)
            } catch {
                problem(here, error.description)
                return nil
            }
            return FixtureSchedule(
                id: id?.lowercased(), domain: string(item, "domain", at: here) ?? Job.rootDomain, name: config.name, members: .object(own))
        }
    }

    // MARK: - Jobs

    private static let commonFields: Set<String> = [
        "family", "domain", "id", "uri", "account", "application", "devAccount", "createdAt", "updatedAt", "completed_at",
        "overall_status", "detailed_status", "cloud", "abort", "simulate",
    ]

    /// The members a fixture's job of `family` may have.
    package static func jobFields(of family: JobFamily) -> Set<String> { commonFields.union(family.targetFields) }

    package mutating func job(_ value: JSONValue, at path: String) -> Job? {
        guard let members = value.objectValue else {
            problem(path, "expected a job object, got \(value.typeName)")
            return nil
        }
        let before = problemCount
        guard let familyName = string(value, "family", at: path, required: true) else { return nil }
        guard let family = JobFamily.named(familyName) else {
            problem(path + ".family", JobFamily.unknown(familyName))
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
        let targets = family.targetFields.map { strings(value[$0], at: path + "." + $0) ?? [] }
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
        guard problemCount == before, let createdAt else { return nil }
        var job = Job(
            family: family, domain: string(value, "domain", at: path) ?? Job.rootDomain, id: id.lowercased(), createdAt: createdAt,
            updatedAt: updatedAt, completedAt: completedAt, status: status, detailedStatus: detailed, targets: targets, abort: abort)
        if let uri = string(value, "uri", at: path) { job.uri = uri }
        if let account = string(value, "account", at: path) { job.account = account }
        if let application = string(value, "application", at: path) { job.application = application }
        if let devAccount = string(value, "devAccount", at: path) { job.devAccount = devAccount }
        if let cloud = string(value, "cloud", at: path) { job.cloud = cloud }
        // A job that runs but has nothing running would never end: its cancel and every start in
        // its family (409) would wait on it until a reset.
        if requiresRunningTarget, status == .inProgress, value["simulate"] != .bool(false) {
            let running = (detailed ?? []).isEmpty ? job.filterValues : (detailed ?? []).filter { TargetMessage.isRunning($0.message) }.map(\.target)
            if running.isEmpty {
                problem(
                    path,
                    "in_progress, but no target is running: give a target the message \"in_progress\", name targets and leave detailed_status out, or set \"simulate\": false to keep the job as it is"
                )
                return nil
            }
        }
        return job
    }

    /// Each cloud's records by its fixture name: `{"aws": [{"region", "KeyId"?, "account_id"?,
    /// "alias"?, "parameters"?, "synced"?}], "azure": [{"vault", "name", "id"?, ...}], "google":
    /// [{"key_ring", "name", ...}], ...}`. `synced` is true for the root domain's inventory, or a
    /// list of domains. A record without an id gets one made from its place and name, the same at
    /// every load.
    static let cloudMembers: [(member: String, cloud: CloudKey.Cloud)] = [
        ("aws", .aws), ("azure", .azure), ("azure_secrets", .azureSecret), ("azure_certificates", .azureCertificate), ("google", .google),
        ("oci", .oci),
    ]

    private mutating func cloud(_ value: JSONValue?, at path: String) -> [FixtureCloudKey] {
        guard let value else { return [] }
        guard value.objectValue != nil else {
            problem(path, "expected an object of cloud → keys, got \(value.typeName)")
            return []
        }
        only(value, Self.cloudMembers.map(\.member), at: path)
        var keys: [FixtureCloudKey] = []
        for (member, cloud) in Self.cloudMembers {
            guard let list = value[member] else { continue }
            guard let items = list.arrayValue else {
                problem("\(path).\(member)", "expected an array of keys, got \(list.typeName)")
                continue
            }
            for (index, item) in items.enumerated() {
                if let key = cloudKey(item, cloud, index: index, at: "\(path).\(member)[\(index)]") { keys.append(key) }
            }
        }
        return keys
    }

    private mutating func cloudKey(_ item: JSONValue, _ cloud: CloudKey.Cloud, index: Int, at here: String) -> FixtureCloudKey? {
        guard item.objectValue != nil else {
            problem(here, "expected a key object, got \(item.typeName)")
            return nil
        }
        let container: String
        let name: String
        let given: String?
        if cloud == .aws {
            only(item, ["KeyId", "region", "account_id", "alias", "parameters", "synced"], at: here)
            guard let region = string(item, "region", at: here, required: true) else { return nil }
            container = "\(string(item, "account_id", at: here) ?? FakeAWS.account)/\(region)"
            name = string(item, "alias", at: here).map { $0.hasPrefix("alias/") ? String($0.dropFirst(6)) : $0 } ?? ""
            given = string(item, "KeyId", at: here)
        } else {
            only(item, ["id", cloud.containerMember, "name", "parameters", "synced"], at: here)
            guard let place = string(item, cloud.containerMember, at: here, required: true),
                let named = string(item, "name", at: here, required: true)
            else { return nil }
            (container, name) = (place, named)
            given = string(item, "id", at: here)
        }
        let cloudID = given ?? CloudKey.cloudID(cloud, drawn: stableUUID("fixture-key", cloud.rawValue, container, name, String(index)))
        var parameters: [(key: String, value: JSONValue)] = []
        if let overrides = item["parameters"] {
            if let members = overrides.objectValue {
                parameters = members
            } else {
                problem(here + ".parameters", "expected an object, got \(overrides.typeName)")
            }
        }
        var synced: [String] = []
        switch item["synced"] {
        case nil, .bool(false)?: break
        case .bool(true)?: synced = [Job.rootDomain]
        case let other?:
            if let domains = strings(other, at: here + ".synced") { synced = domains }
        }
        return FixtureCloudKey(cloud: cloud, cloudID: cloudID, container: container, name: name, parameters: parameters, syncedInto: synced)
    }

    /// Stubs in WireMock's mapping format: a list of mappings, or `{"mappings": [...]}` as
    /// WireMock's own files hold them. A mapping without an id gets one made from the fixture's
    /// name and its place, the same at every load.
    private mutating func stubs(_ value: JSONValue?, at path: String) -> [StubMapping] {
        guard let value else { return [] }
        guard let items = value.arrayValue ?? value["mappings"]?.arrayValue else {
            problem(path, "expected an array of WireMock stub mappings, got \(value.typeName)")
            return []
        }
        var stubs: [StubMapping] = []
        for (index, item) in items.enumerated() {
            do {
                stubs.append(try StubMapping.parse(item, id: { stableUUID("fixture-stub", source, String(index)) }))
            } catch {
                problem("\(path)[\(index)]", error.description)
            }
        }
        return stubs
    }

    // MARK: - Values

    private mutating func only(_ object: JSONValue, _ known: [String], at path: String) {
        for member in object.objectValue ?? [] where !known.contains(member.key) {
            problem(path + "." + member.key, "unknown field (known: \(known.joined(separator: ", ")))")
        }
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

    /// RFC 3339, or relative to the load: `now`, `-90s`, `-10m`, `-2h`, `-1d`.
    private mutating func timestamp(_ object: JSONValue, _ key: String, at path: String, required: Bool = false) -> Timestamp? {
        guard let text = string(object, key, at: path, required: required) else { return nil }
        if let time = Timestamp(rfc3339: text) { return time }
        if let time = relative(text) {
            // Checked here, where the number is read: "-1e300d" would saturate the arithmetic.
            guard time.isReadable else {
                problem(path + "." + key, "\"\(text)\" reaches before \(Timestamp.earliestReadable); relative times go back at most to 1900")
                return nil
            }
            return time
        }
        problem(path + "." + key, "\"\(text)\" is not an RFC 3339 time such as 2020-11-05T06:38:25.308834Z, nor relative such as -10m")
        return nil
    }

    private func relative(_ text: String) -> Timestamp? {
        if text == "now" { return now }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard text.hasPrefix("-"), let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropFirst().dropLast()), amount >= 0
        else { return nil }
        return now.adding(seconds: -amount * unit).roundedToMicroseconds
    }

    private mutating func strings(_ value: JSONValue?, at path: String) -> [String]? {
        guard let value else { return nil }
        guard let items = value.arrayValue else {
            problem(path, "expected an array of strings, got \(value.typeName)")
            return nil
        }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            if let text = item.stringValue {
                strings.append(text)
            } else {
                problem("\(path)[\(index)]", "expected a string, got \(item.typeName)")
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

    package mutating func problem(_ path: String, _ message: String) {
        guard reported.count < Self.reportedLimit else {
            unreported += 1
            return
        }
        if let position = locator?.position(of: path) {
            reported.append("\(source):\(position.line + lineOffset):\(position.column): \(path): \(message)")
        } else {
            reported.append("\(source): \(path): \(message)")
        }
    }
}

/// The longest a target may take, in simulated seconds: 10 years. Longer ones (or `1e300`) would
/// push job times past the clock's end; a job that should never end is a `hang` script.
package let maxTargetDuration = 10 * 365.25 * 86_400.0

/// `5` or `2-6` (also `2.5-3`) seconds, at most `maxTargetDuration`.
public func durationRange(_ text: String) -> ClosedRange<Double>? {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Double($0) }
    guard (1...2).contains(parts.count), let low = parts.first ?? nil, let high = parts.last ?? nil, low >= 0, low <= high,
        high <= maxTargetDuration
    else { return nil }
    return low...high
}
