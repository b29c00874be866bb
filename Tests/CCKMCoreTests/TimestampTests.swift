import TestSupport
import Testing

@testable import CCKMCore

@Suite(.inProcess()) struct TimestampTests {
    @Test(arguments: [
        "2020-11-05T06:38:25.308834Z", "2020-08-06T09:49:34.605578452Z", "1970-01-01T00:00:00.000000Z", "2000-02-29T23:59:59.999999Z",
        "1969-12-31T23:59:59.500000Z",
    ])
    func roundTrips(text: String) throws {
        let time = try #require(Timestamp(rfc3339: text))
        #expect(time.description == text)
    }

    @Test func knownInstants() throws {
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:01Z")?.nanoseconds == 1_000_000_000)
        #expect(Timestamp(rfc3339: "2020-11-05T06:38:25.308834Z")?.nanoseconds == 1_604_558_305_308_834_000)
        #expect(Timestamp(rfc3339: "2020-11-05T08:38:25.308834+02:00") == Timestamp(rfc3339: "2020-11-05T06:38:25.308834Z"))
        #expect(Timestamp(rfc3339: "2020-11-05T06:38:25.3Z")?.description == "2020-11-05T06:38:25.300000Z")
        #expect(Timestamp(nanoseconds: 1_604_558_305_308_834_000).adding(seconds: 1.5).description == "2020-11-05T06:38:26.808834Z")
    }

    @Test(arguments: [
        "", "2020-11-05", "2020-11-05T06:38:25", "2020-13-05T06:38:25Z", "2021-02-29T00:00:00Z", "2020-11-05T24:00:00Z",
        "2020-11-05T06:38:25.Z", "2020-11-05T06:38:25.1234567890Z", "2020-11-05T06:38:25Zjunk", "2020-11-05 06:38:25Z",
        // Outside 1900...2200: nanoseconds in 64 bits end in 2262 (year 1 crashed the server before).
        "0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
    ])
    func rejectsMalformed(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }
}

@Suite(.inProcess()) struct TimestampEdgeTests {
    @Test func addingSaturatesInsteadOfTrapping() {
        let start = ManualClock.defaultStart
        #expect(start.adding(seconds: 1e300).nanoseconds == .max)
        #expect(start.adding(seconds: -1e300).nanoseconds == .min)
        #expect(Timestamp(nanoseconds: .max - 5).adding(seconds: 1).nanoseconds == .max)
        #expect(start.adding(seconds: .nan).nanoseconds == .max)
    }
}
