import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Why the clock did not move.
package enum ClockError: Error, Equatable {
    /// The system clock follows the wall; only a manual clock moves on request.
    case systemClock
    /// The seconds asked for cannot be (negative, not finite, past the clock's end); why, in words.
    case invalidSeconds(String)
    /// Moving would pass the manual clock's end (2200); in words.
    case pastEnd(String)
}

/// Where the mock reads "now" for job times. The system clock follows the wall; the manual clock
/// moves only when a test says so, which makes a whole job lifecycle run in milliseconds and
/// the same way twice.
package protocol SimulationClock: Sendable {
    func now() -> Timestamp
    /// Whether `advance` may move it.
    var isManual: Bool { get }
    /// Where `advance(to:)` would take a manual clock `seconds` from now, checked but not moved
    /// (so that a caller can do its writes first and move the clock only if they succeed); the
    /// system clock refuses.
    func target(advancingBy seconds: Double) throws(ClockError) -> Timestamp
    /// Moves a manual clock forward to `time` (never back); the system clock refuses.
    func advance(to time: Timestamp) throws(ClockError)
    /// Sets a manual clock to `time`, backwards too (snapshot restore); the system clock ignores it.
    func restore(to time: Timestamp)
}

/// The wall clock, in UTC.
package struct SystemClock: SimulationClock {
    package init() {}

    package func now() -> Timestamp {
        Timestamp(nanoseconds: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) * 1000)
    }

    package var isManual: Bool { false }

    package func target(advancingBy seconds: Double) throws(ClockError) -> Timestamp { throw .systemClock }
    package func advance(to time: Timestamp) throws(ClockError) { throw .systemClock }
    package func restore(to time: Timestamp) {}

}

/// A clock that stands still until advanced. Only a snapshot's restore (`restore(to:)`) sets it
/// back, to the time the snapshot was taken.
public final class ManualClock: SimulationClock {
    /// 2020-11-05T06:38:25.308834Z: the AWS docs example's `createdAt`, so demo times look like CM's.
    public static let defaultStart = Timestamp(nanoseconds: 1_604_558_305_308_834_000)
    private let current: Mutex<Timestamp>

    public init(start: Timestamp = ManualClock.defaultStart) {
        current = Mutex(start)
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    public var isManual: Bool { true }

    /// Refuses to go past `Timestamp.latestClockTime`, so that durations added later cannot overflow.
    package func target(advancingBy seconds: Double) throws(ClockError) -> Timestamp {
        guard seconds >= 0, seconds.isFinite else { throw .invalidSeconds("must be a number of 0 or more") }
        let later = now().adding(seconds: seconds)
        guard later <= Timestamp.latestClockTime else {
            throw .invalidSeconds("the clock may not pass \(Timestamp.latestClockTime)")
        }
        return later
    }

    /// Refuses to go past `Timestamp.latestClockTime`, whoever asks (an advance, a settle).
    package func advance(to time: Timestamp) throws(ClockError) {
        guard time <= Timestamp.latestClockTime else {
            throw .pastEnd("The clock may not pass \(Timestamp.latestClockTime); it would have to reach \(time)")
        }
        current.withLock { $0 = max($0, time) }
    }

    public func restore(to time: Timestamp) {
        current.withLock { $0 = time }
    }
}
