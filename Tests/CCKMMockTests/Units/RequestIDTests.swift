import CCKMCore
import TestSupport
import Testing

@testable import CCKMMock

@Suite(.inProcess()) struct RequestIDTests {
    @Test func requestIDsAreUUIDShapedCountersBehindOnePrefix() {
        let ids = RequestIDs()
        let drawn = (0..<300).map { _ in ids.context().id }
        #expect(Set(drawn).count == 300)
        #expect(drawn.allSatisfy(isUUID))
        #expect(Set(drawn.map { $0.prefix(24) }).count == 1)
        #expect(drawn[0].hasSuffix("-000000000001") && drawn[299].hasSuffix("-00000000012c"))
        #expect(RequestIDs.id(prefix: "p-", 0xFED_CBA9_8765) == "p-0fedcba98765")
        #expect(RequestIDs.id(prefix: "", 0xFFFF_FFFF_FFFF) == "ffffffffffff")
    }
}
