import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

@Suite(.inProcess()) struct RouteTests {
    /// The template and parameters a path reaches, or nil.
    static func route(_ path: String) -> String? {
        guard let match = CCKMApp.routes.match(path) else { return nil }
        return ([match.template] + match.parameters).joined(separator: " ")
    }

    @Test(arguments: JobFamily.all)
    func everyFamilyHasItsThreePaths(family: JobFamily) {
        let base = "/api/v1/cckm/" + family.basePath
        #expect(Self.route(base) == base)
        #expect(CCKMApp.routes.match(base)?.family == family)
        #expect(Self.route(base + "/") == base)
        #expect(Self.route(base + "/abc") == base + "/{id} abc")
        #expect(CCKMApp.routes.match(base + "/abc")?.family == family)
        #expect(Self.route(base + "/abc/") == base + "/{id} abc")
        #expect(Self.route(base + "/abc/cancel") == base + "/{id}/cancel abc")
        #expect(Self.route(base + "/cancel") == base + "/{id} cancel", "an id that reads cancel")
    }

    /// Paths are split on the byte `/`, as an HTTP server does, whatever the characters around it.
    @Test func pathsAreMatchedByBytes() {
        let aws = "/api/v1/cckm/aws/synchronization-jobs"
        #expect(Self.route(aws + "/é/cancel") == aws + "/{id}/cancel é")
        #expect(Self.route(aws + "/\u{301}") == aws + "/{id} \u{301}", "a combining mark after the slash")
        #expect(Self.route(aws + "/\u{301}/") == aws + "/{id} \u{301}")
        #expect(Self.route("/__admin/health/") == "/__admin/health")
    }

    @Test func nestedBasesAreNotConfused() {
        #expect(CCKMApp.routes.match("/api/v1/cckm/aws/custom-key-stores/synchronization-jobs")?.family == JobFamily.named("aws-custom-key-stores"))
        #expect(CCKMApp.routes.match("/api/v1/cckm/azure/certificates/synchronization-jobs/1")?.family == JobFamily.named("azure-certificates"))
        #expect(Self.route("/api/v1/cckm/azure/certificates/synchronization-jobs/1") == "/api/v1/cckm/azure/certificates/synchronization-jobs/{id} 1")
    }

    @Test(arguments: [
        "/", "/api/v1/cckm", "/api/v1/cckm/", "/api/v1/cckm/aws", "/api/v1/cckm/aws/synchronization-jobs/a/b",
        "/api/v1/cckm/aws/synchronization-jobs//", "/api/v1/cckm/aws//synchronization-jobs", "/api/v1/cckm/aws/synchronization-jobs/a/cancel/x",
        "/API/V1/CCKM/aws/synchronization-jobs", "/__admin",
    ])
    func unknownPaths(path: String) {
        #expect(Self.route(path) == nil)
    }

    /// Every method of a path is one row, and rows of one path keep the order `Allow` lists.
    @Test func rowsGiveAllow() {
        #expect(CCKMApp.routes.match("/__admin/faults")?.allowedMethods == ["GET", "POST", "DELETE"])
        #expect(CCKMApp.routes.match("/api/v1/scheduler/job-configs/x")?.allowedMethods == ["GET", "PATCH", "DELETE"])
        #expect(CCKMApp.routes.match("/api/v1/cckm/aws/synchronization-jobs")?.allowedMethods == ["GET", "POST"])
        #expect(CCKMApp.routes.match("/__admin/health")?.endpoint(for: "HEAD")?.method == "GET", "HEAD is GET")
    }

    @Test func familiesAreUniqueAndComplete() {
        #expect(JobFamily.all.count == 14)
        #expect(Set(JobFamily.all.map(\.basePath)).count == 14)
        #expect(Set(JobFamily.all.map(\.name)).count == 14)
    }
}
