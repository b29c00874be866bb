/// One target's planned end: when, and how.
public struct ScheduledTarget: Sendable, Equatable {
    public enum Outcome: Int, Sendable {
        case succeeds = 0
        case fails = 1
        case cancelled = 2
    }

    /// The `detailed_status` key.
    public var target: String
    public var dueAt: Timestamp
    public var outcome: Outcome
    /// The `detailed_status` message the target ends with.
    public var message: String
}

/// A job with the plan for its running targets.
public struct PlannedJob: Sendable, Equatable {
    public var job: Job
    public var schedule: [ScheduledTarget]

    public init(job: Job, schedule: [ScheduledTarget] = []) {
        self.job = job
        self.schedule = schedule
    }
}

/// Turns a start request into a new job and draws how each target will end.
public struct JobPlanner: Sendable {
    public var settings: SimulatorSettings
    public var inventory: Inventory
    public let randomness: Randomness

    public init(settings: SimulatorSettings, inventory: Inventory = .standard, randomness: Randomness) {
        self.settings = settings
        self.inventory = inventory
        self.randomness = randomness
    }

    public func plan(_ request: StartRequest, family: JobFamily, domain: String, now: Timestamp) -> PlannedJob {
        let targets = request.synchronizeAll ? inventory.targets[family.name] ?? [] : request.targets
        let lists: [[String]]
        let keys: [String]
        switch family.name {
        case "aws", "aws-custom-key-stores":
            let kms = targets.map(inventory.awsKMS(named:))
            let regions = request.regions ?? kms.flatMap(\.regions).uniqued()
            keys = kms.flatMap { one in (request.regions ?? one.regions).map { "\(one.account)/\($0)" } }
            lists = [regions, targets]
        case "azure", "azure-certificates", "azure-secrets":
            keys = targets.map { "\(inventory.azureLocations[$0] ?? "eastus")/\($0)" }
            lists = [targets]
        default:
            keys = targets
            lists = [targets]
        }
        let job = Job(
            family: family, domain: domain, id: randomness.uuid(), createdAt: now, status: .inProgress,
            detailedStatus: keys.map { Job.TargetStatus(target: $0, message: TargetMessage.inProgress) }, targets: lists)
        return PlannedJob(job: job, schedule: keys.map { draw(target: $0, family: family, now: now) })
    }

    /// A plan for a job seeded as running: its targets still running start over from `now`.
    public func resume(_ job: Job, now: Timestamp) -> PlannedJob {
        guard job.status == .inProgress else { return PlannedJob(job: job) }
        let running = (job.detailedStatus ?? []).filter { TargetMessage.isRunning($0.message) }.map(\.target)
        let targets = job.detailedStatus == nil ? job.filterValues : running
        return PlannedJob(job: job, schedule: targets.map { draw(target: $0, family: job.family, now: now) })
    }

    private func draw(target: String, family: JobFamily, now: Timestamp) -> ScheduledTarget {
        let due = now.adding(seconds: settings.scaled(randomness.double(in: settings.targetDuration))).roundedToMicroseconds
        if randomness.chance(settings.failureRate) {
            return ScheduledTarget(target: target, dueAt: due, outcome: .fails, message: family.failureMessage(target: target))
        }
        return ScheduledTarget(target: target, dueAt: due, outcome: .succeeds, message: family.successMessage)
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    public func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
