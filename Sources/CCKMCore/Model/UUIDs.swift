/// A random version 4 UUID in lower-case text, as CM prints ids and `requestID`s.
package func randomUUID<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
    uuid(high: generator.next(), low: generator.next())
}

/// A UUID in CM's format (version 4, RFC 4122 variant) whose first 48 bits are the milliseconds
/// of `time`, as in a UUIDv7, and the rest random. Job ids are made so: each new job's id then
/// lands at the end of the id indexes instead of on a random page. Clients see well-formed,
/// unique ids.
package func timeOrderedUUID<Generator: RandomNumberGenerator>(at time: Timestamp, using generator: inout Generator) -> String {
    uuid(high: time.keyMilliseconds << 16 | generator.next() & 0xFFFF, low: generator.next())
}

/// A UUID in CM's format made from `parts` alone (FNV-1a, 128 bits): the same parts, the same id.
/// An inventory record keeps its CM id across re-syncs, and two mocks agree on it, seed or not.
package func stableUUID(_ parts: String...) -> String {
    var high: UInt64 = 0xCBF2_9CE4_8422_2325
    var low: UInt64 = 0x6C62_272E_07BB_0142
    for part in parts {
        for byte in part.utf8 + [0] {
            high = (high ^ UInt64(byte)) &* 0x100_0000_01B3
            low = (low ^ UInt64(byte)) &* 0x100_0000_01B3 &+ high
        }
    }
    return uuid(high: high, low: low)
}

private func uuid(high: UInt64, low: UInt64) -> String {
    var high = high
    var low = low
    high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
    low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
    let hex = Hex.digits(high, width: 16) + Hex.digits(low, width: 16)
    let characters = Array(hex)
    return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-" + String(characters[12..<16]) + "-"
        + String(characters[16..<20]) + "-" + String(characters[20..<32])
}

package func randomUUID() -> String {
    var generator = SystemRandomNumberGenerator()
    return randomUUID(using: &generator)
}
