import Testing

@testable import CCKMMock

/// Repeated reads are built once; any write makes them fresh again.
@Suite struct ResponseCacheTests {
    @Test func aWriteInvalidatesCachedReads() throws {
        let app = try InProcessApp(settings: SimulatorSettings(targetDuration: 1...1))
        let path = "/api/v1/cckm/dsm/refresh"
        let empty = try app.get(path)
        let again = try app.get(path)
        #expect(empty.total == 0 && again.body == empty.body)
        let generation = app.app.store.generation
        let id = try app.post(path, #"{"domains":["d"]}"#).json["id"]!.stringValue!
        #expect(app.app.store.generation > generation)
        #expect(try app.get(path).total == 1)
        #expect(try app.get(path + "/" + id).json["overall_status"]?.stringValue == "in_progress")
        try app.advance(1)
        #expect(try app.get(path + "/" + id).json["overall_status"]?.stringValue == "completed", "the advance wrote, the cache let go")
        _ = try app.post("/__admin/reset?to=empty")
        #expect(try app.get(path).total == 0)
    }

    @Test func idleTicksDoNotWrite() throws {
        let app = try InProcessApp()
        let before = app.app.store.generation
        for _ in 0..<5 { try app.app.simulator.tick() }
        #expect(app.app.store.generation == before)
    }
}
