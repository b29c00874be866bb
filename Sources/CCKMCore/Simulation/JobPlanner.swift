import Synchronization

/// One target's planned end: when, and how.
package struct ScheduledTarget: Sendable, Equatable {
    package enum Outcome: Int, Sendable {
        case succeeds = 0
        case fails = 1
        case cancelled = 2
    }

    /// The `detailed_status` key.
    package var target: String
    package var dueAt: Timestamp
    package var outcome: Outcome
    /// The `detailed_status` message the target ends with.
    package var message: String
}

/// A job with the plan for its running targets.
package struct PlannedJob: Sendable, Equatable {
    package var job: Job
    package var schedule: [ScheduledTarget]

    package init(job: Job, schedule: [ScheduledTarget] = []) {
        self.job = job
        self.schedule = schedule
    }

    /// The same plan started at `now` instead, when the clock moved on between planning and
    /// storing: a start is planned as its request arrives and stored with a later batch, and a
    /// clock advance between the two would otherwise leave it created in the past (before the
    /// family's previous job ended, the overlap the 409 forbids).
    package func started(at now: Timestamp) -> PlannedJob {
        let delta = now.nanoseconds - job.createdAt.nanoseconds
        guard delta > 0, job.updatedAt == job.createdAt else { return self }
        var moved = self
        moved.job.createdAt = now
        moved.job.updatedAt = now
        for index in moved.schedule.indices {
            moved.schedule[index].dueAt = Timestamp(nanoseconds: moved.schedule[index].dueAt.nanoseconds &+ delta)
        }
        return moved
    }
}

/// What fixtures tell the planner: known targets, scripted outcomes, simulator settings per family.
package struct PlanRules: Sendable, Equatable {
    package var inventory: Inventory = .standard
    /// Families whose inventory a fixture declared: unknown targets are refused (404).
    package var strictFamilies: Set<String> = []
    package var scripts: [Script] = []
    package var simulation: [String: FamilySimulation] = [:]

    package init() {}

    /// The standard inventory with the fixture's on top.
    package init(_ fixture: Fixture) {
        for (family, items) in fixture.inventory {
            strictFamilies.insert(family)
            inventory.targets[family] = items.map(\.name)
            for item in items {
                if JobFamily.named(family)?.keyShape == .awsAccountRegion {
                    inventory.awsKMS.removeAll { $0.name == item.name }
                    inventory.awsKMS.append(
                        Inventory.AWSKMS(
                            name: item.name, account: item.account ?? Inventory.accountID(for: item.name), regions: item.regions ?? ["us-east-1"]))
                }
                if let location = item.location { inventory.azureLocations[item.name] = location }
            }
        }
        scripts = fixture.scripts
        simulation = fixture.simulation
    }
}

/// Why a start could not be planned.
package enum PlanError: Error, Equatable, CustomStringConvertible {
    /// A target the fixture's inventory does not list, for a family whose inventory it declares.
    case unknownTarget(String)
    /// More targets than one job may have (AWS: every KMS times every region).
    case tooManyTargets(String)

    package var description: String {
        switch self {
        case .unknownTarget(let message), .tooManyTargets(let message): message
        }
    }
}

/// Turns a start request into a new job and draws how each target will end.
package final class JobPlanner: Sendable {
    /// Most `detailed_status` entries a started job may have: 1,000 names a body may give, and
    /// for AWS each KMS in each of its regions (1,000 KMS in 1,000 regions would be a million).
    package static let maxTargetsPerJob = 10_000

    private let configured: Mutex<SimulatorSettings>
    package let randomness: Randomness
    private let rules: Mutex<PlanRules>

    package init(settings: SimulatorSettings, rules: PlanRules = PlanRules(), randomness: Randomness) {
        self.configured = Mutex(settings)
        self.rules = Mutex(rules)
        self.randomness = randomness
    }

    /// The settings in force; only the time scale changes at runtime (the dashboard's control).
    package var settings: SimulatorSettings { configured.withLock { $0 } }

    package func setTimeScale(_ scale: Double) {
        configured.withLock { $0.timeScale = scale }
    }

    package var currentRules: PlanRules { rules.withLock { $0 } }

    package func setRules(_ new: PlanRules) {
        rules.withLock { $0 = new }
    }

    package func plan(_ request: StartRequest, family: JobFamily, domain: String, now: Timestamp) throws(PlanError) -> PlannedJob {
        let rules = currentRules
        let inventory = rules.inventory
        let known = inventory.targets[family.name] ?? []
        let targets = request.synchronizeAll ? known : request.targets
        guard targets.count <= ListQuery.maxFilterValues else {
            throw .tooManyTargets("\(targets.count) targets, more than the \(ListQuery.maxFilterValues) one job may have")
        }
        if rules.strictFamilies.contains(family.name), let unknown = targets.first(where: { !known.contains($0) }) {
            throw .unknownTarget("Unknown \(family.bodyTargetField) value \"\(unknown)\" (known: \(known.joined(separator: ", ")))")
        }
        let (keys, lists) = Self.statusKeys(family: family, targets: targets, regions: request.regions, inventory: inventory)
        guard keys.count <= Self.maxTargetsPerJob else {
            throw .tooManyTargets("\(keys.count) targets (each KMS in each region), more than the \(Self.maxTargetsPerJob) one job may have")
        }
        let job = Job(
            family: family, domain: domain, id: randomness.uuid(orderedAt: now), createdAt: now, status: .inProgress,
            detailedStatus: keys.map { Job.TargetStatus(target: $0, message: TargetMessage.inProgress) }, targets: lists)
        return PlannedJob(job: job, schedule: keys.map { draw(target: $0, job: job, now: now, rules: rules) })
    }

    /// A plan for a job seeded as running: its targets still running start over from `now`.
    package func resume(_ job: Job, now: Timestamp) -> PlannedJob {
        guard job.status == .inProgress else { return PlannedJob(job: job) }
        let rules = currentRules
        var job = job
        var targets = (job.detailedStatus ?? []).filter { TargetMessage.isRunning($0.message) }.map(\.target)
        if (job.detailedStatus ?? []).isEmpty {
            // No targets named (`{}` or none at all): every target runs, under the keys a start
            // would give them (an AWS account and region, an Azure location and vault). `{}` shows
            // them running from now; an absent one stays absent until they end, as CM's can be.
            let regions = job.family.keyShape == .awsAccountRegion ? job.targets.first.flatMap { $0.isEmpty ? nil : $0 } : nil
            targets = Self.statusKeys(family: job.family, targets: job.filterValues, regions: regions, inventory: rules.inventory).keys
            if job.detailedStatus != nil { job.detailedStatus = targets.map { Job.TargetStatus(target: $0, message: TargetMessage.inProgress) } }
        }
        let planned = job
        return PlannedJob(job: job, schedule: targets.map { draw(target: $0, job: planned, now: now, rules: rules) })
    }

    /// The `detailed_status` keys of `targets`, and the job's target lists, as a start makes them:
    /// AWS `account/region` for each KMS in each region, Azure `location/vault`, others the targets.
    package static func statusKeys(
        family: JobFamily, targets: [String], regions: [String]?, inventory: Inventory
    ) -> (keys: [String], lists: [[String]]) {
        switch family.keyShape {
        case .awsAccountRegion:
            let kms = targets.map(inventory.awsKMS(named:))
            let allRegions = regions ?? kms.flatMap(\.regions).uniqued()
            return (kms.flatMap { one in (regions ?? one.regions).map { "\(one.account)/\($0)" } }, [allRegions, targets])
        case .azureLocationVault:
            return (targets.map { "\(inventory.azureLocations[$0] ?? "eastus")/\($0)" }, [targets])
        case .target:
            return (targets, [targets])
        }
    }

    /// A script's word first; otherwise a duration and an outcome drawn from the family's settings.
    private func draw(target: String, job: Job, now: Timestamp, rules: PlanRules) -> ScheduledTarget {
        let family = job.family
        let settings = self.settings
        let tuned = rules.simulation[family.name] ?? rules.simulation["*"]
        let duration = settings.scaled(randomness.double(in: tuned?.targetDuration ?? settings.targetDuration))
        if let script = rules.scripts.last(where: { $0.matches(family: family, jobID: job.id, target: target) }) {
            let due = now.adding(seconds: script.after.map(settings.scaled) ?? duration).roundedToMicroseconds
            switch script.outcome {
            case .succeed:
                return ScheduledTarget(target: target, dueAt: due, outcome: .succeeds, message: script.message ?? family.successMessage)
            case .fail:
                return ScheduledTarget(target: target, dueAt: due, outcome: .fails, message: script.message ?? family.failureMessage(target: target))
            case .hang:
                return ScheduledTarget(target: target, dueAt: .never, outcome: .succeeds, message: script.message ?? family.successMessage)
            }
        }
        let due = now.adding(seconds: duration).roundedToMicroseconds
        if randomness.chance(tuned?.failureRate ?? settings.failureRate) {
            return ScheduledTarget(target: target, dueAt: due, outcome: .fails, message: family.failureMessage(target: target))
        }
        return ScheduledTarget(target: target, dueAt: due, outcome: .succeeds, message: family.successMessage)
    }
}

extension Timestamp {
    /// The due time of a target that never ends on its own (a script's `hang`).
    package static let never = Timestamp(nanoseconds: .max)
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    public func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
