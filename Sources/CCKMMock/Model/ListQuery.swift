/// What a `GET` on a job list asks for: paging, filters and order, as the store reads it. The API
/// parses and checks it from a query (`ListQuery+Parsing.swift`).
struct ListQuery: Sendable, Equatable {
    /// `-1` in the request; the store reads it as "no limit".
    static let unlimited = -1
    /// Most values one filter may carry (repeated and comma-joined together): more is a 400, not a huge SQL statement.
    static let maxFilterValues = 1000
    /// Longest one occurrence of a filter parameter may be, in Unicode scalars (JSON Schema's
    /// `maxLength`); repeat the parameter for more.
    static let maxFilterLength = 4096
    /// Largest `skip` or `limit`: past any store the mock will hold, and far from overflow.
    static let maxPaging = 1_000_000_000

    var skip = 0
    var limit = 10
    var ids: [String] = []
    var statuses: [JobStatus] = []
    var targets: [String] = []
    /// Empty means the default order: newest `createdAt` first.
    var sort: [SortKey] = []

    init() {}

    struct SortKey: Sendable, Equatable {
        var field: SortField
        var descending: Bool

        init(_ field: SortField, descending: Bool = false) {
            self.field = field
            self.descending = descending
        }
    }

    enum SortField: String, Sendable, CaseIterable {
        case id, createdAt, updatedAt
        case completedAt = "completed_at"
        case overallStatus = "overall_status"
    }
}
