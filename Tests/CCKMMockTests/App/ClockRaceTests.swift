import Testing

@testable import CCKMMock

/// Round four's races with the clock (issue 31 #13, #14): what a move or a write changes is read
/// where it is changed, not earlier.
@Suite struct ClockRaceTests {
    static let oci = JobFamily.named("oci")!

    /// #14: a start planned as its request arrived and stored after an advance kept the clock of
    /// before, and was created before the family's previous job ended.
    @Test func aStartStoredAfterAnAdvanceIsCreatedAtTheClockThatStoresIt() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 5...5))
        let first = try app.post("/api/v1/cckm/oci/synchronization-jobs", #"{"vaults":["v"]}"#)
        #expect(first.status == 201)
        let request = try StartRequest.parse(body: Array(#"{"vaults":["w"]}"#.utf8), family: Self.oci)
        let command = try app.app.engine.startCommand(family: Self.oci, domain: Job.rootDomain, request: request)
        try app.advance(60)
        let stored = try JSONParser.parse(Array(try app.app.engine.perform(command).utf8))
        let now = app.app.engine.clock.now().description
        #expect(stored["createdAt"]?.stringValue == now, "stamped with the clock that stored it")
        let previous = try app.get("/api/v1/cckm/oci/synchronization-jobs/\(first.json["id"]!.stringValue!)")
        let ended = try #require(previous.json["completed_at"]?.stringValue)
        #expect(ended < stored["createdAt"]!.stringValue!, "after the family's previous job ended")
        try app.advance(5)
        #expect(try app.get("/api/v1/cckm/oci/synchronization-jobs/\(stored["id"]!.stringValue!)").json["overall_status"] == .string("completed"))
    }
}
