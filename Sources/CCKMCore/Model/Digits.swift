/// Decimal digits appended to a byte buffer, for the hot text (timestamps, access log lines).
package enum Digits {
    /// `value` (not negative) in at least `width` digits, zeros in front. The zeros go in first and
    /// each digit into its place from the right: reversing a slice of the buffer (`text[start...]
    /// .reverse()`) copied it, half of an access log line's cost.
    package static func append(_ value: Int64, width: Int = 1, to text: inout [UInt8]) {
        var count = 1
        var scan = value / 10
        while scan > 0 {
            count += 1
            scan /= 10
        }
        text.append(contentsOf: repeatElement(0x30, count: max(count, width)))
        var rest = value
        var index = text.count - 1
        while rest > 0 {
            text[index] = UInt8(48 + rest % 10)
            rest /= 10
            index -= 1
        }
    }
}
