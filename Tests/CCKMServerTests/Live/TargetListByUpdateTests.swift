import CCKMCore
import CCKMServer
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

/// A fleet's poll of one target's ended jobs, most recently updated first, is read from the target
/// rows' copy of the update time: the time each job ended, not the time it started.
@Suite(.live()) struct TargetListByUpdateTests {
    @Test func endedJobsOfOneTargetComeInTheOrderTheyEnded() async throws {
        let live = try LiveServer(fixtures: [], simulator: SimulatorSettings(targetDuration: 60...60, allowConcurrentJobs: true))
        var ids: [String] = []
        for _ in 0..<3 {
            ids.append(try #require(try await live.post("/api/v1/cckm/aws/synchronization-jobs", #"{"kms":["k"]}"#).json["id"]?.stringValue))
            #expect(try await live.post("/__admin/clock/advance", #"{"seconds": 1}"#).status == 200)
        }
        // Ended in the reverse order of their starts, a second apart.
        for id in ids.reversed() {
            #expect(try await live.post("/__admin/jobs/\(id)/complete").status == 200)
            #expect(try await live.post("/__admin/clock/advance", #"{"seconds": 1}"#).status == 200)
        }
        let newest = try await live.get("/api/v1/cckm/aws/synchronization-jobs?kms=k&overall_status=completed&sort=-updatedAt")
        #expect(newest.total == 3 && newest.ids == [ids[0], ids[1], ids[2]])
        let oldest = try await live.get("/api/v1/cckm/aws/synchronization-jobs?kms=k&overall_status=completed&sort=updatedAt&limit=2&skip=1")
        #expect(oldest.ids == [ids[1], ids[0]])
    }
}
