import CCKMTestFixtures
import TestSupport
import Testing

@testable import CCKMCore
@testable import CCKMStore

/// Every list shape the store answers (each with its own SQL: the count from `job_count`,
/// `job_target_count` or the rows; the page from `job` or straight from `job_target`) checked
/// against the same list worked out in memory, on jobs with tied creation times, several
/// targets each and two domains.
@Suite(.inProcess()) struct ListOracleTests {
    static let family = JobFamily.named("aws")!
    static let values = ["k0", "k1", "k2", "k3", "k4", "k5"]

    /// 400 jobs from a fixed linear congruential sequence (the test needs no seeded simulator).
    static let jobs: [Job] = {
        var state: UInt64 = 12345
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0..<400).map { n in
            let status = JobStatus.allCases[next(3)]
            let created = TestJobs.base.adding(seconds: Double(next(120)))
            let targets = (0...next(3)).map { _ in values[next(values.count)] }
            let lists = family.targetFields.map { $0 == family.filterField ? targets : ["region-1"] }
            return Job(
                family: family, domain: next(4) == 0 ? "other" : Job.rootDomain, id: TestJobs.id(n), createdAt: created,
                updatedAt: created.adding(seconds: Double(next(50))), completedAt: status == .inProgress ? nil : created.adding(seconds: 60),
                status: status, targets: lists)
        }
    }()

    /// The page worked out in memory: filter, sort with `seq` (insertion order) breaking ties in
    /// the direction of the last key, skip, limit.
    static func expected(domain: String, _ query: ListQuery) -> (total: Int, documents: [String]) {
        let matches = jobs.enumerated().filter { _, job in
            job.domain == domain && (query.statuses.isEmpty || query.statuses.contains(job.status))
                && (query.targets.isEmpty || !Set(job.filterValues).isDisjoint(with: query.targets))
        }
        let keys = query.sort.isEmpty ? [ListQuery.SortKey(.createdAt, descending: true)] : query.sort
        let sorted = matches.sorted { left, right in
            for key in keys {
                let (a, b) = (left.element, right.element)
                let order: (Bool, Bool) =
                    switch key.field {
                    case .createdAt: (a.createdAt < b.createdAt, b.createdAt < a.createdAt)
                    case .updatedAt: (a.updatedAt < b.updatedAt, b.updatedAt < a.updatedAt)
                    case .overallStatus: (a.status.rawValue < b.status.rawValue, b.status.rawValue < a.status.rawValue)
                    case .id: (a.id < b.id, b.id < a.id)
                    case .completedAt: (false, false)
                    }
                if order.0 || order.1 { return key.descending ? order.1 : order.0 }
            }
            return keys.last!.descending ? left.offset > right.offset : left.offset < right.offset
        }
        let page = sorted.dropFirst(query.skip).prefix(query.limit == ListQuery.unlimited ? sorted.count : query.limit)
        return (matches.count, page.map { $0.element.json })
    }

    /// A file store reads the CCKM API's pages and jobs on the event loops' own connections
    /// (`LoopReaders`); a `:memory:` store through GRDB: both are checked.
    @Test(.inProcess(.seconds(120)), arguments: [false, true]) func everyShapeMatchesTheListWorkedOutInMemory(onFile: Bool) throws {
        let store = try JobStore(location: onFile ? .directory(try Paths.temporaryDirectory()) : .memory)
        #expect((store.reader.loop != nil) == onFile)
        try store.replace(Self.jobs)
        let sorts: [[ListQuery.SortKey]] = [
            [], [.init(.createdAt)], [.init(.createdAt, descending: true)], [.init(.updatedAt, descending: true)],
            [.init(.overallStatus), .init(.createdAt, descending: true)],
        ]
        var checked = 0
        for domain in [Job.rootDomain, "other"] {
            for targets in [[], ["k1"], ["k1", "k1"], ["k1", "k4"], ["nowhere"]] {
                for statuses in [[], [JobStatus.failed], [.inProgress, .completed]] {
                    for sort in sorts {
                        for (skip, limit) in [(0, 10), (7, 10), (35, 10), (0, ListQuery.unlimited), (3, 0), (500, 10)] {
                            var query = ListQuery()
                            (query.targets, query.statuses, query.sort, query.skip, query.limit) = (targets, statuses, sort, skip, limit)
                            let page = try store.reader.list(family: Self.family, domain: domain, query: query)
                            let want = Self.expected(domain: domain, query)
                            #expect(page.total == want.total, "total of \(domain) \(query)")
                            #expect(page.documents == want.documents, "page of \(domain) \(query)")
                            // The CCKM API's path: the same page as bytes.
                            var bytes: [UInt8] = []
                            let total = try store.reader.listBytes(family: Self.family, domain: domain, query: query, into: &bytes)
                            #expect(total == want.total && bytes == Array(want.documents.joined(separator: ",").utf8), "bytes of \(domain) \(query)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked == 900)
        for job in Self.jobs.prefix(50) {
            #expect(try store.reader.document(family: Self.family, domain: job.domain, id: job.id) == job.json)
            #expect(try store.reader.document(family: Self.family, domain: job.domain == "other" ? "root" : "other", id: job.id) == nil)
        }
    }

    /// Other threads read on their own slots as the test's thread does, and see a write at once.
    @Test func everyThreadReadsTheStoreAsItIsNow() async throws {
        let store = try JobStore(location: .directory(try Paths.temporaryDirectory()))
        try store.replace(Array(Self.jobs.prefix(200)))
        let query = ListQuery()
        let totals = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<(LoopReaders.slots * 2) {
                group.addTask {
                    var bytes: [UInt8] = []
                    return try store.reader.listBytes(family: Self.family, domain: Job.rootDomain, query: query, into: &bytes)
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let before = Self.jobs.prefix(200).filter { $0.domain == Job.rootDomain }.count
        #expect(totals == Array(repeating: before, count: LoopReaders.slots * 2))
        try store.replace(Array(Self.jobs[200...]))
        var bytes: [UInt8] = []
        #expect(try store.reader.listBytes(family: Self.family, domain: Job.rootDomain, query: query, into: &bytes) > before)
    }

    /// A job's targets follow it through a status change and a delete: the target counts stay
    /// those of the rows.
    @Test func targetCountsFollowStatusChangesAndDeletes() throws {
        let store = try JobStore(location: .memory)
        try store.replace(Self.jobs)
        var running = ListQuery()
        (running.targets, running.statuses) = (["k2"], [.inProgress])
        let before = try store.reader.list(family: Self.family, domain: Job.rootDomain, query: running).total
        let job = try #require(Self.jobs.first { $0.status == .inProgress && $0.domain == Job.rootDomain && $0.filterValues.contains("k2") })
        // As the lifecycle finishes a job: an update of the row, whose trigger updates the targets' copy.
        try store.write { db in try db.execute(sql: "UPDATE job SET status = 'completed' WHERE id = ?", arguments: [job.id]) }
        #expect(try store.reader.list(family: Self.family, domain: Job.rootDomain, query: running).total == before - 1)
        running.statuses = [.completed]
        let completed = try store.reader.list(family: Self.family, domain: Job.rootDomain, query: running)
        running.limit = ListQuery.unlimited
        #expect(try store.reader.list(family: Self.family, domain: Job.rootDomain, query: running).documents.count == completed.total)
        try store.deleteJobs()
        #expect(try store.reader.list(family: Self.family, domain: Job.rootDomain, query: running).total == 0)
    }
}
