/// Lower-case hexadecimal, as CM prints ids and tokens and as the signing key is kept.
package enum Hex {
    /// Two digits a byte.
    package static func digits(_ bytes: [UInt8]) -> String {
        var text = ""
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes { text += digits(UInt64(byte), width: 2) }
        return text
    }

    /// `value` in at least `width` digits, zeros in front.
    package static func digits(_ value: UInt64, width: Int) -> String {
        let text = String(value, radix: 16)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

extension Timestamp {
    /// The milliseconds since 1970 in 48 bits: what leads a time-ordered key (job ids, login
    /// sessions), so that each new one lands at the end of its index.
    package var keyMilliseconds: UInt64 { UInt64(bitPattern: nanoseconds / 1_000_000) & 0xFFFF_FFFF_FFFF }
}
