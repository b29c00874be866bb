import Testing

@testable import CCKMMock

/// The same seed, clock and requests give the same bytes; another seed does not.
@Suite struct DeterminismTests {
    static func transcript(seed: UInt64) throws -> [[UInt8]] {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...8, failureRate: 0.3), seed: seed)
        var replies: [Reply] = []
        replies.append(try app.post("/api/v1/cckm/aws/synchronization-jobs", #"{"synchronize_all": true}"#))
        replies.append(try app.post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings": ["a", "b", "c"]}"#))
        replies.append(try app.post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings": ["x"]}"#))
        replies.append(try app.advance(3))
        let google = replies[1].json["id"]!.stringValue!
        replies.append(try app.post("/api/v1/cckm/google/synchronization-jobs/\(google)/cancel"))
        replies.append(try app.get("/nope"))
        replies.append(try app.advance(10))
        replies.append(try app.get("/api/v1/cckm/aws/synchronization-jobs"))
        replies.append(try app.get("/api/v1/cckm/google/synchronization-jobs"))
        return replies.map(\.body)
    }

    @Test func sameSeedSameBytes() throws {
        let first = try Self.transcript(seed: 42)
        let second = try Self.transcript(seed: 42)
        #expect(first == second)
        #expect(try Self.transcript(seed: 43) != first)
    }
}
