import Synchronization

/// The one source of chance in the mock: job ids, request ids, durations and outcomes. Seeded,
/// the same requests in the same order get the same answers, byte for byte.
final class Randomness: Sendable {
    private let generator: Mutex<SplitMix64>

    /// `seed` nil draws a seed from the system.
    init(seed: UInt64? = nil) {
        var system = SystemRandomNumberGenerator()
        generator = Mutex(SplitMix64(seed: seed ?? system.next()))
    }

    func uuid() -> String {
        generator.withLock { randomUUID(using: &$0) }
    }

    /// See `timeOrderedUUID(at:using:)`: for job ids.
    func uuid(orderedAt time: Timestamp) -> String {
        generator.withLock { timeOrderedUUID(at: time, using: &$0) }
    }

    /// Uniform in `range`.
    func double(in range: ClosedRange<Double>) -> Double {
        generator.withLock { Double.random(in: range, using: &$0) }
    }

    /// True with probability `p`.
    func chance(_ p: Double) -> Bool {
        guard p > 0 else { return false }
        return generator.withLock { Double.random(in: 0..<1, using: &$0) } < p
    }
}
