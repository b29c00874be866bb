import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// The same rules hold for every family, with its own filter parameter and target lists.
@Suite(.inProcess()) struct EveryFamilyTests {
    @Test(arguments: JobFamily.all)
    func listFilterAndDetail(family: JobFamily) throws {
        let app = try InProcessApp(jobs: (1...4).map { TestJobs.make(family, $0, targets: ["v\($0 % 2)", "shared"]) })
        let base = "/api/v1/cckm/" + family.basePath
        let all = try app.get(base)
        #expect(all.total == 4 && all.ids == [4, 3, 2, 1].map(TestJobs.id))
        let filtered = try app.get(base + "/?\(family.filterParameter)=v1")
        #expect(filtered.ids == [3, 1].map(TestJobs.id) && filtered.total == 2)
        // A job holding several of the asked values is listed and counted once.
        let overlapping = try app.get(base + "?\(family.filterParameter)=v1,shared&\(family.filterParameter)=v0")
        #expect(overlapping.ids == [4, 3, 2, 1].map(TestJobs.id) && overlapping.total == 4)
        let job = try app.get(base + "/" + TestJobs.id(2))
        #expect(job.status == 200)
        #expect(job.json["cloud"]?.stringValue == family.cloud)
        #expect(job.json[family.filterField]?.arrayValue == [.string("v0"), .string("shared")])
        let keys = job.json.objectValue?.map(\.key) ?? []
        #expect(Array(keys.suffix(family.targetFields.count + 2)) == ["cloud"] + family.targetFields + ["abort"])
    }
}
