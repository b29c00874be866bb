/// A job's `overall_status`. Some doc examples print `"in progress"` with a space: read both,
/// always write `in_progress`.
public enum JobStatus: String, Sendable, CaseIterable {
    case inProgress = "in_progress"
    case completed
    case failed

    public init?(lenient text: String) {
        self.init(rawValue: text == "in progress" ? "in_progress" : text)
    }
}
