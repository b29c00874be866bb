import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

@Suite(.inProcess()) struct ListQueryTests {
    let aws = JobFamily.named("aws")!
    let sfdc = JobFamily.named("sfdc-keys")!

    func parse(_ pairs: [(String, String?)], family: JobFamily? = nil) throws(APIError) -> ListQuery {
        do {
            return try ListQuery.parse(pairs.map { QueryItem(name: $0.0, value: $0.1) }, family: family ?? aws)
        } catch {
            throw APIError(error)
        }
    }

    @Test func defaults() throws {
        let query = try parse([])
        #expect(query.skip == 0 && query.limit == 10 && query.ids.isEmpty && query.statuses.isEmpty && query.targets.isEmpty)
        #expect(query.sort.isEmpty)
    }

    @Test func pagingAndAll() throws {
        #expect(try parse([("skip", "5"), ("limit", "3")]).skip == 5)
        #expect(try parse([("limit", "-1")]).limit == -1)
        #expect(try parse([("limit", "0")]).limit == 0)
        #expect(try parse([("limit", ""), ("skip", nil)]).limit == 10)
    }

    @Test(arguments: [
        ("skip", "-1"), ("skip", "x"), ("skip", "1.5"), ("limit", "-2"), ("limit", "ten"), ("skip", "99999999999999999999999"),
        ("skip", "1000000001"), ("limit", "1000000001"),
    ])
    func badPagingNamesTheParameter(name: String, value: String) {
        #expect {
            try parse([(name, value)])
        } throws: { error in
            let error = error as! APIError
            return error.status == 400 && error.code == 9 && error.message.contains("\"\(name)\"") && error.message.contains(value)
        }
    }

    @Test func filtersRepeatedAndCommaJoined() throws {
        let query = try parse([("kms", "a,b"), ("kms", "c"), ("overall_status", "in progress,failed"), ("id", "x"), ("id", "y,z")])
        #expect(query.targets == ["a", "b", "c"])
        #expect(query.statuses == [.inProgress, .failed])
        #expect(query.ids == ["x", "y", "z"])
    }

    @Test func targetFilterIsTheFamilys() throws {
        #expect(try parse([("organizations", "o1")], family: sfdc).targets == ["o1"])
        #expect(try parse([("kms", "o1")], family: sfdc).targets.isEmpty)
        #expect(try parse([("organizations", "o1")]).targets.isEmpty)
    }

    @Test func unknownStatusIsRejected() {
        #expect(throws: APIError.invalidParameter("overall_status", "\"done\" is not one of in_progress, completed, failed")) {
            try parse([("overall_status", "done")])
        }
    }

    @Test func tooManyFilterValues() {
        let many = (0...ListQuery.maxFilterValues).map(String.init).joined(separator: ",")
        #expect(throws: APIError.self) { try parse([("kms", many)]) }
    }

    @Test func sortFieldsAndDirections() throws {
        let query = try parse([("sort", "-createdAt,id,+overall_status, completed_at,-updatedAt")])
        #expect(
            query.sort == [
                .init(.createdAt, descending: true), .init(.id), .init(.overallStatus), .init(.completedAt), .init(.updatedAt, descending: true),
            ])
    }

    @Test func sortTakesOneSignAndSkipsEmptyItems() throws {
        #expect(try parse([("sort", ",,-id,,")]).sort == [.init(.id, descending: true)])
        for doubled in ["--id", "+-id", " -id", "-+id"] {
            #expect(throws: APIError.self, "\(doubled)") { try parse([("sort", doubled)]) }
        }
    }

    @Test func aFilterOccurrenceHasAtMost4096Characters() throws {
        let longest = String(repeating: "é", count: ListQuery.maxFilterLength)  // counted in Unicode scalars, not bytes
        #expect(try parse([("kms", longest)]).targets == [longest])
        #expect {
            try parse([("id", longest + "x")])
        } throws: { error in
            (error as! APIError).message.contains("longer than 4096 characters")
        }
    }

    @Test func unknownSortFieldIsRejected() {
        #expect {
            try parse([("sort", "-createdAt,name")])
        } throws: { error in
            (error as! APIError).message.contains("unknown field \"name\"")
        }
    }
}
