/// A five-field cron expression as CM's scheduler (and Terraform's `ciphertrust_scheduler`) takes
/// it: minute, hour, day of month, month, day of week; each `*`, a number, a range `a-b`, a step
/// `*/n` or `a-b/n`, or a comma list of those; three-letter month (`jan`) and day (`sat`) names.
/// Days of week run 0-6 from Sunday (7 is Sunday too). When both day fields are restricted, a day
/// matching either fires, as in cron. Times are UTC *(chosen: CM's own zone is not in the record)*.
package struct CronExpression: Sendable, Equatable {
    package let text: String
    package let minutes: Set<Int>
    package let hours: Set<Int>
    package let days: Set<Int>
    package let months: Set<Int>
    package let weekdays: Set<Int>
    package let daysRestricted: Bool
    package let weekdaysRestricted: Bool
    /// False when no day of the year matches (`0 0 30 2 *`): the search is not even started.
    package let canFire: Bool

    /// Why an expression was refused, in words for a 400 naming `run_at`.
    package struct Problem: Error, Equatable, CustomStringConvertible {
        package var description: String
    }

    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    package init(_ text: String) throws(Problem) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { String($0).lowercased() }
        guard fields.count == 5 else {
            throw Problem(description: "expected 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        self.text = text
        minutes = try Self.field(fields[0], "minute", 0...59, names: [])
        hours = try Self.field(fields[1], "hour", 0...23, names: [])
        days = try Self.field(fields[2], "day of month", 1...31, names: [])
        months = try Self.field(fields[3], "month", 1...12, names: Self.monthNames, firstName: 1)
        weekdays = Set(try Self.field(fields[4], "day of week", 0...7, names: Self.dayNames, firstName: 0).map { $0 % 7 })
        daysRestricted = fields[2] != "*" && !fields[2].hasPrefix("*/")
        weekdaysRestricted = fields[4] != "*" && !fields[4].hasPrefix("*/")
        // Days are ANDed with weekdays unless both are restricted, so the named days alone decide
        // whether any date matches: some day of a named month must exist (29 February does).
        let longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let (days, months) = (days, months)
        canFire = (daysRestricted && weekdaysRestricted) || months.contains { month in days.contains { $0 <= longest[month - 1] } }
    }

    private static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String], firstName: Int = 0) throws(Problem)
        -> Set<Int>
    {
        func value(_ token: Substring) throws(Problem) -> Int {
            if let number = Int(token) {
                guard range.contains(number) else {
                    throw Problem(description: "\(name) \(number) is out of range \(range.lowerBound)-\(range.upperBound)")
                }
                return number
            }
            if let index = names.firstIndex(of: String(token)) { return index + firstName }
            throw Problem(
                description: "\"\(token)\" is not a \(name)" + (names.isEmpty ? "" : " (numbers or \(names.first ?? "")-\(names.last ?? ""))"))
        }
        var values: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw Problem(description: "an empty item in the \(name) field") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw Problem(description: "\"\(part)\" has more than one step") }
            var step = 1
            if pieces.count == 2 {
                guard let number = Int(pieces[1]), number >= 1, number <= range.upperBound else {
                    throw Problem(description: "\"\(pieces[1])\" is not a step for the \(name) field")
                }
                step = number
            }
            let span = pieces[0]
            let bounds: ClosedRange<Int>
            if span == "*" {
                bounds = range
            } else if let dash = span.firstIndex(of: "-") {
                let low = try value(span[..<dash])
                let high = try value(span[span.index(after: dash)...])
                guard low <= high else { throw Problem(description: "the \(name) range \(span) runs backwards") }
                bounds = low...high
            } else {
                let single = try value(span)
                bounds = single...(pieces.count == 2 ? range.upperBound : single)
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    /// The first time after `time` (strictly) that the expression fires, at a whole minute; nil
    /// when it never fires (`0 0 30 2 *`) or not before the clock's end in 2200. The search skips
    /// whole months and days, so even 29 February with eight years between (2096, 2104) is quick.
    package func next(after time: Timestamp) -> Timestamp? {
        guard canFire else { return nil }
        let minute: Int64 = 60_000_000_000
        // The next whole minute after `time`.
        var candidate = (time.nanoseconds.floorDivided(by: minute) + 1) * minute
        let limit = Timestamp.latestClockTime.nanoseconds
        while candidate <= limit {
            let civil = Timestamp(nanoseconds: candidate).civilParts
            guard months.contains(civil.month) else {
                candidate = Timestamp.startOfNextMonth(after: candidate)
                continue
            }
            guard dayMatches(day: civil.day, weekday: civil.weekday) else {
                candidate = (candidate.floorDivided(by: 1440 * minute) + 1) * 1440 * minute
                continue
            }
            guard hours.contains(civil.hour) else {
                candidate = (candidate.floorDivided(by: 60 * minute) + 1) * 60 * minute
                continue
            }
            guard minutes.contains(civil.minute) else {
                candidate += minute
                continue
            }
            return Timestamp(nanoseconds: candidate)
        }
        return nil
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): days.contains(day) || weekdays.contains(weekday)
        default: days.contains(day) && weekdays.contains(weekday)
        }
    }
}

extension Timestamp {
    /// Month, day, hour, minute and weekday (0 Sunday) in UTC.
    package var civilParts: (month: Int, day: Int, hour: Int, minute: Int, weekday: Int) {
        let text = Array(description.utf8)  // YYYY-MM-DDTHH:MM:SS…
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(text[$1] - 48) } }
        let days = nanoseconds.floorDivided(by: 86_400_000_000_000)
        let weekday = Int(((days + 4) % 7 + 7) % 7)  // 1970-01-01 was a Thursday
        return (number(5..<7), number(8..<10), number(11..<13), number(14..<16), weekday)
    }

    /// Midnight on the first day of the month after the one holding `nanoseconds`.
    package static func startOfNextMonth(after nanoseconds: Int64) -> Int64 {
        let text = Timestamp(nanoseconds: nanoseconds).description
        let year = Int(text.prefix(4)) ?? 1970
        let month = Int(text.dropFirst(5).prefix(2)) ?? 1
        let (nextYear, nextMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
        let formatted = String(nextYear) + "-" + (nextMonth < 10 ? "0" : "") + String(nextMonth) + "-01T00:00:00Z"
        return Timestamp(rfc3339: formatted)?.nanoseconds ?? Int64.max
    }
}
