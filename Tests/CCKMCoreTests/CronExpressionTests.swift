import TestSupport
import Testing

@testable import CCKMCore

/// Cron expressions as CM's scheduler and Terraform's examples write them.
@Suite(.inProcess()) struct CronExpressionTests {
    static let start = Timestamp(rfc3339: "2024-03-01T10:07:30Z")!  // a Friday

    func times(_ text: String, count: Int = 3) throws -> [String] {
        let cron = try CronExpression(text)
        var out: [String] = []
        var time = Self.start
        for _ in 0..<count {
            guard let next = cron.next(after: time) else { break }
            out.append(next.description)
            time = next
        }
        return out
    }

    @Test func stepsRangesListsAndNames() throws {
        #expect(try times("*/15 * * * *") == ["2024-03-01T10:15:00.000000Z", "2024-03-01T10:30:00.000000Z", "2024-03-01T10:45:00.000000Z"])
        #expect(try times("0 9 * * sat", count: 2) == ["2024-03-02T09:00:00.000000Z", "2024-03-09T09:00:00.000000Z"])
        #expect(try times("30 2 * * mon-fri", count: 2) == ["2024-03-04T02:30:00.000000Z", "2024-03-05T02:30:00.000000Z"])
        #expect(try times("0 0 1 jan,jul *", count: 2) == ["2024-07-01T00:00:00.000000Z", "2025-01-01T00:00:00.000000Z"])
        #expect(
            try times("5,10 8-9/1 * * *", count: 3) == ["2024-03-02T08:05:00.000000Z", "2024-03-02T08:10:00.000000Z", "2024-03-02T09:05:00.000000Z"])
        #expect(try times("0 12 29 feb *", count: 1) == ["2028-02-29T12:00:00.000000Z"])
        #expect(try times("0 0 * * 7", count: 1) == ["2024-03-03T00:00:00.000000Z"], "7 is Sunday too")
    }

    @Test func bothDayFieldsRestrictedMeansEither() throws {
        // The 13th of any month, or any Friday (cron's rule when both are given).
        #expect(try times("0 0 13 * fri", count: 3) == ["2024-03-08T00:00:00.000000Z", "2024-03-13T00:00:00.000000Z", "2024-03-15T00:00:00.000000Z"])
    }

    /// Issue 24 #20: 2100 is no leap year, so after 2096 the next 29 February is 2104, eight
    /// years on; a five-year search window stopped the schedule for good.
    @Test func theTwentyNinthOfFebruaryFiresPastACenturyWithoutALeapDay() throws {
        let cron = try CronExpression("0 0 29 2 *")
        #expect(cron.next(after: Timestamp(rfc3339: "2097-01-01T00:00:00Z")!)?.description == "2104-02-29T00:00:00.000000Z")
        #expect(try CronExpression("0 0 30 2 *").next(after: Self.start) == nil, "no 30 February, at once")
    }

    @Test func anExpressionThatNeverFiresHasNoNextTime() throws {
        #expect(try times("0 0 30 feb *").isEmpty)
    }

    @Test(arguments: [
        ("* * * * * *", "expected 5 fields"), ("0 9 * *", "expected 5 fields"), ("60 * * * *", "minute 60 is out of range"),
        ("* 24 * * *", "hour 24 is out of range"), ("* * 0 * *", "day of month 0 is out of range"), ("* * * 13 *", "month 13 is out of range"),
        ("* * * * sunday", "\"sunday\" is not a day of week"), ("* * * foo *", "\"foo\" is not a month"), ("5-1 * * * *", "runs backwards"),
        ("*/0 * * * *", "is not a step"), ("1,,2 * * * *", "an empty item"),
    ])
    func badExpressionsSayWhy(text: String, reason: String) {
        #expect(throws: CronExpression.Problem.self) { try CronExpression(text) }
        do {
            _ = try CronExpression(text)
        } catch {
            #expect(error.description.contains(reason), "\(text): \(error.description)")
        }
    }
}
