import Foundation
import Testing

@testable import CCKMMock

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Starts and cancels are committed in groups on the live server; each still answers as if alone.
@Suite(.timeLimit(.minutes(1))) struct GroupCommitTests {
    @Test func concurrentStartsAllCommitWithTheirOwnIDs() async throws {
        let live = try LiveServer(fixtures: [], simulator: SimulatorSettings(allowConcurrentJobs: true))
        defer { live.stop() }
        let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
            for index in 0..<120 {
                group.addTask { try await live.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v\#(index)"]}"#) }
            }
            return try await group.reduce(into: [Reply]()) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0.status == 201 })
        #expect(Set(replies.compactMap { $0.json["id"]?.stringValue }).count == 120)
        #expect(try await live.get("/api/v1/cckm/oci/synchronization-jobs?limit=0").total == 120)
        #expect(try await live.get("/__admin/requests/count?method=POST").json["count"]?.intValue == 120)
    }

    @Test func oneRunningJobPerFamilyHoldsWithinABatch() async throws {
        let live = try LiveServer(fixtures: [])
        defer { live.stop() }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { try await live.post("/api/v1/cckm/sap/synchronization-jobs", #"{"groups":["g"]}"#).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 1 && statuses.filter { $0 == 409 }.count == 19)
        #expect(try await live.get("/api/v1/cckm/sap/synchronization-jobs?limit=0").total == 1, "the 409s left nothing behind")
    }

    @Test func badStartsFailAloneAndCancelsBatchToo() async throws {
        let live = try LiveServer(fixtures: [])
        defer { live.stop() }
        try await live.post("/api/v1/cckm/sap/synchronization-jobs", "{}").expectError(
            status: 400, code: 15, codeDesc: "NCERRBadRequest: Bad request", messageContains: "Give the targets")
        let id = try #require(try await live.post("/api/v1/cckm/sap/synchronization-jobs", #"{"groups":["g"]}"#).json["id"]?.stringValue)
        let cancelled = try await live.post("/api/v1/cckm/sap/synchronization-jobs/\(id)/cancel")
        #expect(cancelled.status == 200 && cancelled.json["abort"] == .bool(true))
        try await live.post("/api/v1/cckm/sap/synchronization-jobs/\(TestJobs.id(5))/cancel").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "Resource not found")
    }
}
