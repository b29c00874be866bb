import HTTPServer
import Testing

@testable import CCKMMock

@Suite struct RouteTests {
    @Test(arguments: JobFamily.all)
    func everyFamilyHasItsThreePaths(family: JobFamily) {
        let base = "/api/v1/cckm/" + family.basePath
        #expect(Route(path: base) == .jobs(family))
        #expect(Route(path: base + "/") == .jobs(family))
        #expect(Route(path: base + "/abc") == .job(family, id: "abc"))
        #expect(Route(path: base + "/abc/") == .job(family, id: "abc"))
        #expect(Route(path: base + "/abc/cancel") == .cancel(family, id: "abc"))
    }

    /// Paths are split on the byte `/`, as an HTTP server does, whatever the characters around it.
    @Test func pathsAreMatchedByBytes() {
        let aws = JobFamily.named("aws")!
        #expect(Route(path: "/api/v1/cckm/aws/synchronization-jobs/é/cancel") == .cancel(aws, id: "é"))
        #expect(Route(path: "/api/v1/cckm/aws/synchronization-jobs/\u{301}") == .job(aws, id: "\u{301}"), "a combining mark after the slash")
        #expect(Route(path: "/api/v1/cckm/aws/synchronization-jobs/\u{301}/") == .job(aws, id: "\u{301}"))
        #expect(Route(path: "/__admin/health/") == .admin(.health))
    }

    @Test func nestedBasesAreNotConfused() {
        #expect(Route(path: "/api/v1/cckm/aws/custom-key-stores/synchronization-jobs") == .jobs(JobFamily.named("aws-custom-key-stores")!))
        #expect(Route(path: "/api/v1/cckm/azure/certificates/synchronization-jobs/1") == .job(JobFamily.named("azure-certificates")!, id: "1"))
    }

    @Test(arguments: [
        "/", "/api/v1/cckm", "/api/v1/cckm/", "/api/v1/cckm/aws", "/api/v1/cckm/aws/synchronization-jobs/a/b",
        "/api/v1/cckm/aws/synchronization-jobs//", "/api/v1/cckm/aws//synchronization-jobs", "/api/v1/cckm/aws/synchronization-jobs/a/cancel/x",
        "/API/V1/CCKM/aws/synchronization-jobs", "/__admin",
    ])
    func unknownPaths(path: String) {
        #expect(Route(path: path) == nil)
    }

    @Test func familiesAreUniqueAndComplete() {
        #expect(JobFamily.all.count == 14)
        #expect(Set(JobFamily.all.map(\.basePath)).count == 14)
        #expect(Set(JobFamily.all.map(\.name)).count == 14)
    }
}
