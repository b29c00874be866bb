/// The running message of a target, and the one a cancel leaves on unfinished targets.
package enum TargetMessage {
    package static let inProgress = "in_progress"
    package static let cancelled = "synchronization cancelled"

    /// Both spellings CM has printed for a running target.
    package static func isRunning(_ message: String) -> Bool {
        message == inProgress || message == "in progress"
    }
}
