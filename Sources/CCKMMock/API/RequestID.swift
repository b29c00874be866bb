/// A random version 4 UUID in lower-case text, as CM prints ids and `requestID`s.
public func randomUUID<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
    var high = generator.next()
    var low = generator.next()
    high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
    low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
    let hex = hexDigits(high, 16) + hexDigits(low, 16)
    let characters = Array(hex)
    return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-" + String(characters[12..<16]) + "-"
        + String(characters[16..<20]) + "-" + String(characters[20..<32])
}

public func randomUUID() -> String {
    var generator = SystemRandomNumberGenerator()
    return randomUUID(using: &generator)
}

private func hexDigits(_ value: UInt64, _ width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: width - digits.count) + digits
}
