/// How simulated jobs behave: how long each target takes, how often one fails, how fast time runs.
public struct SimulatorSettings: Sendable, Equatable {
    /// Seconds a target takes, drawn uniformly per target.
    public var targetDuration: ClosedRange<Double>
    /// Probability that a target fails.
    public var failureRate: Double
    /// Simulated durations run this many times faster (demos: 10 makes a 5 s target take 0.5 s).
    public var timeScale: Double
    /// Seconds between a cancel request and the job stopping (before `timeScale`).
    package var cancelDelay: Double
    /// Lets a second job of a family and domain start while one is in progress.
    public var allowConcurrentJobs: Bool
    /// The most scheduler runs one clock move makes; runs falling due past them before the new time
    /// are dropped, not made up (a 10-year advance of a `* * * * *` schedule would be 5 million jobs).
    package var maxSchedulerRunsPerAdvance = 10_000

    public init(
        targetDuration: ClosedRange<Double> = 2...6, failureRate: Double = 0, timeScale: Double = 1, cancelDelay: Double = 1,
        allowConcurrentJobs: Bool = false
    ) {
        self.targetDuration = targetDuration
        self.failureRate = failureRate
        self.timeScale = timeScale
        self.cancelDelay = cancelDelay
        self.allowConcurrentJobs = allowConcurrentJobs
    }

    /// The time scales accepted wherever one is read (flag, control API): slower than a thousandth
    /// would stretch a 10-year target past the end of the clock's range.
    public static let timeScales: ClosedRange<Double> = 0.001...10_000

    /// The longest one target's scaled duration may be: 50 years, so that a job started just before
    /// the manual clock's end (2200) still ends inside 64-bit nanoseconds (2262).
    package static let longestScaled = 50 * 365.25 * 86_400.0

    /// Wall (or manual-clock) seconds for `seconds` of simulated work.
    package func scaled(_ seconds: Double) -> Double { min(seconds / timeScale, Self.longestScaled) }
}
