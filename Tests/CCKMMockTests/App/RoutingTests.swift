import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

@Suite(.inProcess()) struct RoutingTests {
    let app: InProcessApp
    let jobPath = "/api/v1/cckm/aws/synchronization-jobs/" + TestJobs.id(1)

    init() throws {
        app = try InProcessApp(jobs: [TestJobs.make(JobFamily.named("aws")!, 1), TestJobs.make(JobFamily.named("aws")!, 2, domain: "other")])
    }

    @Test func jobByIdAnswersTheDocument() throws {
        let reply = try app.get(jobPath)
        #expect(reply.status == 200 && reply.json["id"]?.stringValue == TestJobs.id(1))
        #expect(reply.headers["Content-Type"] == "application/json")
        #expect(try app.get(jobPath + "/").json == reply.json)
        #expect(
            try app.get(
                jobPath.uppercased().replacingOccurrences(of: "/API/V1/CCKM/AWS/SYNCHRONIZATION-JOBS", with: "/api/v1/cckm/aws/synchronization-jobs")
            ).status == 200)
    }

    @Test(arguments: [
        "/api/v1/cckm/aws/synchronization-jobs/00000000-0000-4000-8000-999999999999", "/api/v1/cckm/aws/synchronization-jobs/not-a-uuid",
        "/api/v1/cckm/azure/synchronization-jobs/" + TestJobs.id(1), "/api/v1/cckm/aws/synchronization-jobs/" + TestJobs.id(2),
    ])
    func unknownJobIs404(path: String) throws {
        try app.get(path).expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
    }

    @Test(arguments: ["/", "/api/v1/cckm/nothing", "/api/v1/cckm/aws/synchronization-jobs/x/y", "/api/v1/auth/whatever"])
    func unknownPathIs404(path: String) throws {
        try app.get(path).expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "No resource at \(path)")
    }

    @Test(arguments: [
        ("DELETE", "/api/v1/cckm/aws/synchronization-jobs", "GET, POST"), ("PUT", "/api/v1/cckm/aws/synchronization-jobs/x", "GET"),
        ("DELETE", "/api/v1/cckm/aws/synchronization-jobs/x", "GET"), ("GET", "/api/v1/cckm/aws/synchronization-jobs/x/cancel", "POST"),
        ("PATCH", "/__admin/health", "GET"), ("BREW", "/api/v1/cckm/dsm/refresh", "GET, POST"),
    ])
    func wrongMethodIs405WithAllow(method: String, path: String, allowed: String) throws {
        let reply = try app.send(method, path)
        reply.expectError(
            status: 405, code: 15, codeDesc: "NCERRMethodNotAllowed: Method not allowed", messageContains: "Method \(method) is not allowed")
        #expect(reply.headers["Allow"] == allowed)
    }

    @Test func headIsAnsweredLikeGet() throws {
        #expect(try app.send("HEAD", jobPath).status == 200)
    }

    @Test func healthIsJSON() throws {
        let reply = try app.get("/__admin/health")
        #expect(reply.status == 200 && reply.json["status"]?.stringValue == "ok")
    }

    @Test func requestIDsDiffer() throws {
        let first = try app.get("/nope").json["requestID"]
        let second = try app.get("/nope").json["requestID"]
        #expect(first != second)
    }
}
