import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

@Suite(.inProcess()) struct HugeAdvanceTests {
    @Test func hugeAdvancesAreRefused() throws {
        let app = try InProcessApp()
        try app.post("/__admin/clock/advance", #"{"seconds": 1e300}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "(10 years)")
        #expect(try app.post("/__admin/clock/advance", #"{"seconds": 315576000}"#).status == 200)
    }
}
