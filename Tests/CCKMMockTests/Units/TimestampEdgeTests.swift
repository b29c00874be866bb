import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMCore
@testable import CCKMEngine
@testable import CCKMMock
@testable import CCKMStore

@Suite(.inProcess()) struct TimestampEdgeTests {
    @Test func addingSaturatesInsteadOfTrapping() {
        let start = ManualClock.defaultStart
        #expect(start.adding(seconds: 1e300).nanoseconds == .max)
        #expect(start.adding(seconds: -1e300).nanoseconds == .min)
        #expect(Timestamp(nanoseconds: .max - 5).adding(seconds: 1).nanoseconds == .max)
        #expect(start.adding(seconds: .nan).nanoseconds == .max)
    }

    @Test func hugeAdvancesAreRefused() throws {
        let app = try InProcessApp()
        try app.post("/__admin/clock/advance", #"{"seconds": 1e300}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "(10 years)")
        #expect(try app.post("/__admin/clock/advance", #"{"seconds": 315576000}"#).status == 200)
    }
}
