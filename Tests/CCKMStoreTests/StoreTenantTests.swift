import CCKMTestFixtures
import TestSupport
import Testing

@testable import CCKMCore
@testable import CCKMStore

/// The store keeps tenants apart from the first day, though only auth will give them names.
@Suite(.inProcess()) struct StoreTenantTests {
    @Test func listsAndDetailsSeeOneDomain() throws {
        let aws = JobFamily.named("aws")!
        let store = try JobStore(location: .memory)
        try store.replace([TestJobs.make(aws, 1), TestJobs.make(aws, 2, domain: "b"), TestJobs.make(aws, 3, domain: "b")])
        #expect(try store.reader.list(family: aws, domain: "root", query: ListQuery()).total == 1)
        #expect(try store.reader.list(family: aws, domain: "b", query: ListQuery()).documents.count == 2)
        #expect(try store.reader.document(family: aws, domain: "root", id: TestJobs.id(2)) == nil)
        #expect(try store.reader.document(family: aws, domain: "b", id: TestJobs.id(2)) != nil)
        #expect(try store.reader.count() == 3)
    }

    @Test func replacingAJobKeepsCountsRight() throws {
        let aws = JobFamily.named("aws")!
        let store = try JobStore(location: .memory)
        try store.replace([TestJobs.make(aws, 1, status: .inProgress, targets: ["a"])])
        try store.replace([TestJobs.make(aws, 1, status: .completed, targets: ["b"])])
        var query = ListQuery()
        query.statuses = [.inProgress]
        #expect(try store.reader.list(family: aws, domain: "root", query: query).total == 0)
        query.statuses = [.completed]
        #expect(try store.reader.list(family: aws, domain: "root", query: query).total == 1)
        query.statuses = []
        query.targets = ["a"]
        #expect(try store.reader.list(family: aws, domain: "root", query: query).total == 0)
        query.targets = ["b"]
        #expect(try store.reader.list(family: aws, domain: "root", query: query).total == 1)
    }

    @Test func everyListShapeUsesAnIndex() throws {
        let aws = JobFamily.named("aws")!
        let store = try JobStore(location: .memory)
        var shapes: [ListQuery] = []
        var query = ListQuery()
        shapes.append(query)
        query.statuses = [.failed]
        shapes.append(query)
        query.targets = ["k"]
        shapes.append(query)
        query = ListQuery()
        query.ids = ["x"]
        shapes.append(query)
        for field in [ListQuery.SortField.createdAt, .updatedAt, .completedAt] {
            for descending in [false, true] {
                query = ListQuery()
                query.sort = [.init(field, descending: descending)]
                shapes.append(query)
            }
        }
        query = ListQuery()
        query.statuses = [.completed, .failed]
        query.sort = [.init(.overallStatus), .init(.createdAt)]
        shapes.append(query)
        // A fleet's polls: what still runs, most recently updated first; one target, newest first.
        query = ListQuery()
        query.statuses = [.inProgress]
        query.sort = [.init(.updatedAt, descending: true)]
        shapes.append(query)
        query.targets = ["k"]
        shapes.append(query)
        query = ListQuery()
        query.targets = ["k"]
        query.statuses = [.failed]
        shapes.append(query)
        query.sort = [.init(.updatedAt, descending: true)]
        shapes.append(query)
        for shape in shapes {
            let plan = try store.reader.queryPlan(family: aws, domain: "root", query: shape).joined(separator: "; ")
            #expect(!plan.contains("SCAN job"), "full scan in: \(plan)")
            #expect(plan.contains("USING"), "no index in: \(plan)")
            let oneTargetByCreation = shape.targets.count == 1 && shape.sort.allSatisfy { $0.field == .createdAt }
            if (shape.targets.isEmpty || oneTargetByCreation) && shape.statuses.count < 2 {
                #expect(!plan.contains("TEMP B-TREE"), "sorts outside an index: \(plan)")
            }
            if oneTargetByCreation {
                #expect(plan.contains("job_target_by_created"), "one target by creation reads its own index: \(plan)")
            }
            if shape.targets.count == 1, shape.statuses == [.failed] || shape.statuses == [.completed], shape.sort.count == 1,
                shape.sort[0].field == .updatedAt
            {
                #expect(plan.contains("job_target_by_updated") && !plan.contains("TEMP B-TREE"), "one target and status by update: \(plan)")
            }
        }
    }

    /// A job looked up by id across families (the control API's waits, completions and lists by
    /// id) seeks the unique index once per family instead of scanning every job.
    @Test func lookUpsByIdAcrossFamiliesSeekTheIndex() throws {
        let store = try JobStore(location: .memory)
        var byID = ListQuery()
        byID.ids = ["30000000-0000-4000-8000-000000000001"]
        let plans = [
            try store.reader.queryPlan(family: nil, domain: nil, query: byID),
            try store.reader.queryPlan(family: nil, domain: "root", query: byID),
            try store.reader.queryPlan(sql: StoreReader.familiesHolding, arguments: ["x"]),
            try store.reader.queryPlan(sql: StoreReader.familiesHoldingInDomain, arguments: ["x", "root"]),
        ]
        for plan in plans.map({ $0.joined(separator: "; ") }) {
            #expect(plan.contains("SEARCH job USING") && plan.contains("job_by_id (family=? AND id=?)"), "not a seek of job_by_id: \(plan)")
        }
    }
}
