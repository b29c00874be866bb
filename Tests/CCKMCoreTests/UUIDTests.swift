import TestSupport
import Testing

@testable import CCKMCore

@Suite(.inProcess()) struct UUIDTests {
    @Test func hexIsTwoLowerCaseDigitsAByteAndPadsToItsWidth() {
        #expect(Hex.digits([0, 15, 16, 255]) == "000f10ff")
        #expect(Hex.digits(0xabc, width: 6) == "000abc" && Hex.digits(0x1_0000, width: 2) == "10000")
        let time = Timestamp(nanoseconds: 1_700_000_000_123_456_789)
        #expect(time.keyMilliseconds == 1_700_000_000_123)
    }

    @Test func randomUUIDsAreVersion4() {
        let ids = (0..<100).map { _ in randomUUID() }
        #expect(Set(ids).count == 100)
        for id in ids {
            #expect(isUUID(id))
            #expect(Array(id)[14] == "4")
            #expect("89ab".contains(Array(id)[19]))
        }
    }

    @Test func jobIDsAreVersion4AndSortByTime() throws {
        let randomness = Randomness(seed: 3)
        let start = try #require(Timestamp(rfc3339: "2020-11-05T06:38:25.308834Z"))
        let ids = (0..<200).map { randomness.uuid(orderedAt: start.adding(seconds: Double($0) * 0.002)) }
        #expect(Set(ids).count == 200)
        #expect(ids == ids.sorted(), "a later millisecond sorts later")
        for id in ids {
            #expect(isUUID(id) && Array(id)[14] == "4" && "89ab".contains(Array(id)[19]))
        }
        #expect(ids[0].hasPrefix("01759720-b81c-4"), "the milliseconds of 2020-11-05T06:38:25.308Z, then the version")
    }

    @Test func seededGeneratorRepeats() {
        struct Counter: RandomNumberGenerator {
            var state: UInt64 = 7
            mutating func next() -> UInt64 {
                state = state &* 6_364_136_223_846_793_005 &+ 1
                return state
            }
        }
        var first = Counter()
        var second = Counter()
        #expect(randomUUID(using: &first) == randomUUID(using: &second))
    }
}
