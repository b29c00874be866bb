/// The running message of a target, and the one a cancel leaves on unfinished targets.
enum TargetMessage {
    static let inProgress = "in_progress"
    static let cancelled = "synchronization cancelled"

    /// Both spellings CM has printed for a running target.
    static func isRunning(_ message: String) -> Bool {
        message == inProgress || message == "in progress"
    }
}
