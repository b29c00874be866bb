import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// What schemathesis found: each once a crash or a wrong acceptance.
@Suite(.inProcess()) struct FuzzFindingsTests {
    @Test func roundingNearTheEndOfTimeDoesNotTrap() {
        #expect(Timestamp(nanoseconds: .max).roundedToMicroseconds.nanoseconds <= .max)
        #expect(Timestamp(nanoseconds: 1_999).roundedToMicroseconds.nanoseconds == 2_000)
        #expect(Timestamp(nanoseconds: -1_600).roundedToMicroseconds.nanoseconds == -2_000)
    }

    @Test func theManualClockStopsBefore2200() throws {
        let app = try InProcessApp()
        for _ in 0..<17 { #expect(try app.post("/__admin/clock/advance", #"{"seconds": 315576000}"#).status == 200) }
        try app.post("/__admin/clock/advance", #"{"seconds": 315576000}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "may not pass 2200-01-01")
        #expect(try app.post("/api/v1/cckm/azure/certificates/synchronization-jobs", #"{"synchronize_all": true}"#).status == 201)
    }

    @Test func emptyRegionsAreRefused() throws {
        try InProcessApp().post("/api/v1/cckm/aws/synchronization-jobs", #"{"regions": [], "synchronize_all": true}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "\"regions\": must name at least one")
    }

    @Test func faultNumbersMustBeWhole() throws {
        let reply = try InProcessApp().post("/__admin/faults", #"{"latencyMs": 2.5e-42, "status": 100}"#)
        #expect(reply.status == 400 && reply.json["message"]?.stringValue?.contains("a whole number") == true)
    }
}
