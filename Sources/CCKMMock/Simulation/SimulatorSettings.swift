/// How simulated jobs behave: how long each target takes, how often one fails, how fast time runs.
public struct SimulatorSettings: Sendable, Equatable {
    /// Seconds a target takes, drawn uniformly per target.
    public var targetDuration: ClosedRange<Double>
    /// Probability that a target fails.
    public var failureRate: Double
    /// Simulated durations run this many times faster (demos: 10 makes a 5 s target take 0.5 s).
    public var timeScale: Double
    /// Seconds between a cancel request and the job stopping (before `timeScale`).
    public var cancelDelay: Double
    /// Lets a second job of a family and domain start while one is in progress.
    public var allowConcurrentJobs: Bool

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

    /// Wall (or manual-clock) seconds for `seconds` of simulated work.
    func scaled(_ seconds: Double) -> Double { seconds / timeScale }
}
