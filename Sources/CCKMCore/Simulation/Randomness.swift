import Synchronization

/// The one source of chance in the mock: job ids, request ids, durations and outcomes. Seeded,
/// the same requests in the same order get the same answers, byte for byte.
package final class Randomness: Sendable {
    private let generator: Mutex<SplitMix64>
    /// The seed given, nil when drawn from the system: what request ids derive their own from.
    package let seed: UInt64?

    /// The seed of the `start`th start on one store: the seed itself the first time, so that a
    /// fresh store under `--seed` answers as it always has, then a stream that shares nothing with
    /// the earlier ones (SplitMix64 streams whose seeds differ by a multiple of its step overlap,
    /// so the start number is hashed in, not added).
    package static func seed(_ seed: UInt64, start: Int) -> UInt64 {
        guard start > 1 else { return seed }
        var mixer = SplitMix64(seed: UInt64(start) &* 0xD1B5_4A32_D192_ED03)
        return seed ^ mixer.next()
    }

    /// `seed` nil draws a seed from the system.
    package init(seed: UInt64? = nil) {
        var system = SystemRandomNumberGenerator()
        self.seed = seed
        generator = Mutex(SplitMix64(seed: seed ?? system.next()))
    }

    /// Back to the first draw of a seeded stream (a full reset, so that the ids and plans after it
    /// are the start's whatever ran before); a stream drawn from the system goes on.
    package func rewind() {
        guard let seed else { return }
        generator.withLock { $0 = SplitMix64(seed: seed) }
    }

    package func uuid() -> String {
        generator.withLock { randomUUID(using: &$0) }
    }

    /// See `timeOrderedUUID(at:using:)`: for job ids.
    package func uuid(orderedAt time: Timestamp) -> String {
        generator.withLock { timeOrderedUUID(at: time, using: &$0) }
    }

    /// Uniform in `range`.
    package func double(in range: ClosedRange<Double>) -> Double {
        generator.withLock { Double.random(in: range, using: &$0) }
    }

    /// True with probability `p`.
    package func chance(_ p: Double) -> Bool {
        guard p > 0 else { return false }
        return generator.withLock { Double.random(in: 0..<1, using: &$0) } < p
    }
}
