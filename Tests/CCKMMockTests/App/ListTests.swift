import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// Every list rule of API-CONTRACT.md, through the app in-process.
@Suite(.inProcess()) struct ListTests {
    let aws = JobFamily.named("aws")!
    let path = "/api/v1/cckm/aws/synchronization-jobs"
    let app: InProcessApp

    /// Jobs 1–25 in AWS: 1–10 completed, 11–20 failed, 21–25 in progress; targets t0, t1, t2 by n % 3.
    /// One job in another family and one in another domain, which no AWS list of the root domain shows.
    init() throws {
        let family = JobFamily.named("aws")!
        var jobs = (1...25).map { n in
            TestJobs.make(family, n, status: n <= 10 ? .completed : n <= 20 ? .failed : .inProgress)
        }
        jobs.append(TestJobs.make(JobFamily.named("azure")!, 100))
        jobs.append(TestJobs.make(family, 200, domain: "tenant-b"))
        app = try InProcessApp(jobs: jobs)
    }

    @Test func defaultPageIsTenNewestFirst() throws {
        let reply = try app.get(path)
        #expect(reply.status == 200)
        #expect(reply.json.objectValue?.map(\.key) == ["skip", "limit", "total", "resources"])
        #expect(reply.json["skip"]?.intValue == 0 && reply.json["limit"]?.intValue == 10 && reply.total == 25)
        #expect(reply.ids == (16...25).reversed().map(TestJobs.id))
    }

    @Test func skipAndLimit() throws {
        let reply = try app.get(path + "?skip=20&limit=3")
        #expect(reply.ids == [5, 4, 3].map(TestJobs.id))
        #expect(reply.total == 25 && reply.json["skip"]?.intValue == 20 && reply.json["limit"]?.intValue == 3)
    }

    @Test func limitMinusOneMeansAll() throws {
        let reply = try app.get(path + "?limit=-1")
        #expect(reply.ids.count == 25 && reply.total == 25 && reply.json["limit"]?.intValue == -1)
    }

    @Test func limitZeroAndSkipPastTheEndStillCount() throws {
        #expect(try app.get(path + "?limit=0").ids.isEmpty)
        #expect(try app.get(path + "?limit=0").total == 25)
        let past = try app.get(path + "?skip=1000")
        #expect(past.ids.isEmpty && past.total == 25)
    }

    @Test(arguments: ["in_progress", "in%20progress", "in+progress"])
    func statusFilterTakesBothSpellings(spelling: String) throws {
        let reply = try app.get(path + "?overall_status=\(spelling)")
        #expect(reply.ids == (21...25).reversed().map(TestJobs.id) && reply.total == 5)
    }

    @Test func severalStatusesRepeatedOrJoined() throws {
        let joined = try app.get(path + "?overall_status=failed,in_progress&limit=-1")
        let repeated = try app.get(path + "?overall_status=failed&overall_status=in_progress&limit=-1")
        #expect(joined.total == 15 && joined.ids == repeated.ids && joined.ids == (11...25).reversed().map(TestJobs.id))
    }

    @Test func idFilter() throws {
        let reply = try app.get(path + "?id=\(TestJobs.id(3)),\(TestJobs.id(7).uppercased())&id=\(TestJobs.id(200))")
        #expect(reply.ids == [TestJobs.id(7), TestJobs.id(3)] && reply.total == 2)
    }

    @Test func targetFilterRepeatedAndCommaJoined() throws {
        let one = try app.get(path + "?kms=t1&limit=-1")
        #expect(one.ids == [25, 22, 19, 16, 13, 10, 7, 4, 1].map(TestJobs.id) && one.total == 9)
        let two = try app.get(path + "?kms=t1,t2&limit=3")
        #expect(two.ids == [25, 23, 22].map(TestJobs.id) && two.total == 17)
        let repeated = try app.get(path + "?kms=t1&kms=t2&limit=3")
        #expect(repeated.ids == two.ids && repeated.total == 17)
        #expect(try app.get(path + "?kms=nothing").total == 0)
    }

    @Test func targetAndStatusCountTogether() throws {
        let reply = try app.get(path + "?kms=t1&overall_status=failed")
        #expect(reply.ids == [19, 16, 13].map(TestJobs.id) && reply.total == 3)
    }

    @Test func filtersCombine() throws {
        let reply = try app.get(path + "?kms=t0&overall_status=failed&id=\(TestJobs.id(12)),\(TestJobs.id(15)),\(TestJobs.id(13))")
        #expect(reply.ids == [15, 12].map(TestJobs.id) && reply.total == 2)
    }

    @Test func sortAscendingAndByStatusThenNewest() throws {
        #expect(try app.get(path + "?sort=createdAt&limit=3").ids == [1, 2, 3].map(TestJobs.id))
        let byStatus = try app.get(path + "?sort=-overall_status,-createdAt&limit=7")
        // in_progress > failed > completed going down.
        #expect(byStatus.ids == [25, 24, 23, 22, 21, 20, 19].map(TestJobs.id))
        #expect(try app.get(path + "?sort=-id&limit=2").ids == [25, 24].map(TestJobs.id))
    }

    @Test func completedAtSortsMissingValuesLikePostgres() throws {
        let up = try app.get(path + "?sort=completed_at&limit=-1")
        #expect(Array(up.ids.prefix(2)) == [1, 2].map(TestJobs.id))
        #expect(Array(up.ids.suffix(5)) == (21...25).map(TestJobs.id))
        let down = try app.get(path + "?sort=-completed_at&limit=6")
        #expect(down.ids == [25, 24, 23, 22, 21, 20].map(TestJobs.id))
    }

    @Test func unknownParametersAreIgnored() throws {
        #expect(try app.get(path + "?fields=id&colour=red").total == 25)
    }

    @Test(arguments: [
        ("skip=-1", "skip"), ("limit=-5", "limit"), ("skip=abc", "skip"), ("sort=name", "sort"), ("overall_status=done", "overall_status"),
    ])
    func badParametersGet400NamingThem(query: String, name: String) throws {
        try app.get(path + "?" + query).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "\"\(name)\"")
    }
}
