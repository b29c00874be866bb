/// An instant in UTC, to the nanosecond. CM prints microseconds (`2020-11-05T06:38:25.308834Z`);
/// one docs example prints nanoseconds, so a time read with sub-microsecond digits keeps them.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    package var nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// Saturates at the ends of the representable range (years 1677 to 2262) instead of trapping:
    /// the amount can come from a request.
    package func adding(seconds: Double) -> Timestamp {
        let delta = (seconds * 1e9).rounded()
        guard delta.isFinite, abs(delta) < 9.2e18 else { return Timestamp(nanoseconds: delta < 0 ? .min : .max) }
        let (sum, overflow) = nanoseconds.addingReportingOverflow(Int64(delta))
        return Timestamp(nanoseconds: overflow ? (delta < 0 ? .min : .max) : sum)
    }

    /// To the nearest microsecond, the precision CM prints.
    package var roundedToMicroseconds: Timestamp {
        let remainder = (nanoseconds % 1000 + 1000) % 1000  // floored, so times before 1970 round the same way
        // At the very start of the range (a saturated time) there is no microsecond below: keep it.
        let (down, underflow) = nanoseconds.subtractingReportingOverflow(remainder)
        guard !underflow else { return self }
        guard remainder >= 500 else { return Timestamp(nanoseconds: down) }
        let (up, overflow) = down.addingReportingOverflow(1000)
        return Timestamp(nanoseconds: overflow ? down : up)
    }

    /// The latest time the manual clock may reach: far enough for any test, and far from the end
    /// of the nanosecond range (year 2262), so that durations added to it never overflow.
    package static let latestClockTime = Timestamp(rfc3339: "2200-01-01T00:00:00Z")!

    /// The earliest time read from outside (fixtures, `since`): the start of `readableYears`.
    package static let earliestReadable = Timestamp(rfc3339: "1900-01-01T00:00:00Z")!

    /// Whether the time lies in `readableYears` (1900 to the manual clock's end in 2200).
    package var isReadable: Bool { self >= Self.earliestReadable && self <= Self.latestClockTime }

    /// RFC 3339 in UTC with six fractional digits, or nine when the time has sub-microsecond digits.
    public var description: String {
        // Digits into one small buffer: every job rendered prints three of these.
        var text: [UInt8] = []
        text.reserveCapacity(30)
        appendDescription(to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// `description`'s bytes appended to `text` (an access log line is written as bytes).
    package func appendDescription(to text: inout [UInt8]) {
        let seconds = nanoseconds.floorDivided(by: 1_000_000_000)
        let fraction = nanoseconds - seconds * 1_000_000_000
        let (year, month, day) = Self.civil(fromDays: seconds.floorDivided(by: 86_400))
        let secondOfDay = seconds - seconds.floorDivided(by: 86_400) * 86_400
        func digits(_ value: Int64, _ width: Int, then separator: UInt8) {
            Digits.append(value, width: width, to: &text)
            text.append(separator)
        }
        digits(year, 4, then: 0x2D)
        digits(month, 2, then: 0x2D)
        digits(day, 2, then: 0x54)
        digits(secondOfDay / 3600, 2, then: 0x3A)
        digits(secondOfDay / 60 % 60, 2, then: 0x3A)
        digits(secondOfDay % 60, 2, then: 0x2E)
        if fraction % 1000 == 0 { digits(fraction / 1000, 6, then: 0x5A) } else { digits(fraction, 9, then: 0x5A) }
    }

    /// RFC 3339 as Go's `time.Time` writes it (CM is written in Go): the fraction's trailing zeros
    /// dropped, none for a whole second. A client that sent `2025-01-01T00:00:00Z` reads it back
    /// unchanged, as Terraform's plan-and-state comparison needs.
    package var shortRFC3339: String {
        var text = description.dropLast()  // the "Z"
        while text.last == "0" { text = text.dropLast() }
        if text.last == "." { text = text.dropLast() }
        return text + "Z"
    }

    /// Years `init(rfc3339:)` reads: nanoseconds in 64 bits reach only 1677 to 2262, and the
    /// manual clock stops at the start of 2200.
    package static let readableYears: ClosedRange<Int64> = 1900...2200

    /// Reads RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, fraction up to nine digits, a
    /// year in `readableYears`.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= b.count else { return nil }
            var value: Int64 = 0
            for byte in b[range] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116, b[13] == 58, b[16] == 58,
            let year = number(0..<4), Self.readableYears.contains(year), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if b[index] == 46 {
            index += 1
            let start = index
            while index < b.count, b[index] >= 48, b[index] <= 57 { index += 1 }
            let digits = index - start
            guard digits >= 1, digits <= 9, let value = number(start..<index) else { return nil }
            fraction = value * Self.powerOfTen(9 - digits)
        }
        var offsetSeconds: Int64 = 0
        guard index < b.count else { return nil }
        if b[index] == 90 || b[index] == 122 {
            index += 1
        } else if b[index] == 43 || b[index] == 45, index + 6 == b.count, b[index + 3] == 58,
            let offsetHours = number(index + 1..<index + 3), let offsetMinutes = number(index + 4..<index + 6),
            offsetHours < 24, offsetMinutes < 60
        {
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (b[index] == 43 ? 1 : -1)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        nanoseconds = seconds * 1_000_000_000 + fraction
    }

    private static func powerOfTen(_ exponent: Int) -> Int64 {
        (0..<exponent).reduce(1) { value, _ in value * 10 }
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's civil-from-days and days-from-civil: exact for every proleptic Gregorian date.
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    package func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
