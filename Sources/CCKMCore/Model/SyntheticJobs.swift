/// Made-up jobs in bulk, for load tests and measurements: every family, several tenants, every
/// status, targets from a small pool per family, creation times one second apart. The same seed
/// gives the same jobs.
public struct SyntheticJobs: Sequence, IteratorProtocol {
    public static let domains = [Job.rootDomain, "tenant-a", "tenant-b"]
    private static let start = Timestamp(rfc3339: "2025-01-01T00:00:00Z")!
    private static let regions = ["eu-west-1", "us-east-1", "ap-south-1", "eu-central-1", "us-west-2"]

    private var generator: SplitMix64
    private var produced = 0
    private let count: Int

    public init(count: Int, seed: UInt64 = 1) {
        self.count = count
        self.generator = SplitMix64(seed: seed)
    }

    public mutating func next() -> Job? {
        guard produced < count else { return nil }
        defer { produced += 1 }
        let n = produced
        let family = JobFamily.all[n % JobFamily.all.count]
        let roll = generator.next() % 100
        let status: JobStatus = roll < 80 ? .completed : roll < 95 ? .failed : .inProgress
        let created = Self.start.adding(seconds: Double(n))
        let pool = Int(generator.next() % 20)
        let targets = ["\(family.filterField)-\(pool)", "\(family.filterField)-\((pool + 1) % 20)"]
        // An AWS job's targets are its KMS's account in each region, as CM names them
        // (`123456789012/eu-west-1`); the other families' are the names they were given.
        let regions = [Self.regions[pool % Self.regions.count], Self.regions[(pool + 1) % Self.regions.count]]
        let account = String(100_000_000_000 + pool * 7_919)
        let keys = family.keyShape == .awsAccountRegion ? regions.map { account + "/" + $0 } : targets
        return Job(
            family: family, domain: Self.domains[Int(generator.next() % UInt64(Self.domains.count))],
            id: randomUUID(using: &generator), createdAt: created, updatedAt: created.adding(seconds: 2),
            completedAt: status == .inProgress ? nil : created.adding(seconds: 2), status: status,
            detailedStatus: keys.map { target in
                let message =
                    switch status {
                    case .inProgress: TargetMessage.inProgress
                    case .failed: family.failureMessage(target: target)
                    case .completed: family.successMessage
                    }
                return Job.TargetStatus(target: target, message: message)
            },
            targets: family.targetFields.map { $0 == family.filterField ? targets : $0 == "regions" ? regions : ["eu-west-1"] })
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
