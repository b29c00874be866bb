import CCKMCore
import CCKMStore

/// Jobs made to order for list tests: `n` fixes the id and the creation time (n seconds after a
/// base instant), so expected orders can be written down.
package enum TestJobs {
    package static let base = Timestamp(rfc3339: "2024-03-01T12:00:00Z")!

    package static func id(_ n: Int) -> String {
        let digits = String(n)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - digits.count) + digits
    }

    package static func make(
        _ family: JobFamily, _ n: Int, status: JobStatus = .completed, targets: [String]? = nil, domain: String = Job.rootDomain,
        completedAfter: Double? = 5, updatedAfter: Double = 1
    ) -> Job {
        let created = base.adding(seconds: Double(n))
        let values = targets ?? ["t\(n % 3)"]
        let lists = family.targetFields.map { $0 == family.filterField ? values : ["region-\(n % 2)"] }
        return Job(
            family: family, domain: domain, id: id(n), createdAt: created, updatedAt: created.adding(seconds: updatedAfter),
            completedAt: status == .inProgress ? nil : completedAfter.map { created.adding(seconds: $0) }, status: status,
            detailedStatus: values.map { .init(target: $0, message: status == .inProgress ? "in_progress" : "done") }, targets: lists)
    }
}
