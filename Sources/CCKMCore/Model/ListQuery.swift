/// What a `GET` on a job list asks for: paging, filters and order, as the store reads it. The API
/// parses and checks it from a query (`ListQuery+Parsing.swift`).
package struct ListQuery: Sendable, Equatable {
    /// `-1` in the request; the store reads it as "no limit".
    package static let unlimited = -1
    /// Most values one filter may carry (repeated and comma-joined together): more is a 400, not a huge SQL statement.
    package static let maxFilterValues = 1000
    /// Longest one occurrence of a filter parameter may be, in Unicode scalars (JSON Schema's
    /// `maxLength`); repeat the parameter for more.
    package static let maxFilterLength = 4096
    /// Largest `skip` or `limit`: past any store the mock will hold, and far from overflow.
    package static let maxPaging = 1_000_000_000

    package var skip = 0
    package var limit = 10
    package var ids: [String] = []
    package var statuses: [JobStatus] = []
    package var targets: [String] = []
    /// Empty means the default order: newest `createdAt` first.
    package var sort: [SortKey] = []

    package init() {}

    package struct SortKey: Sendable, Equatable {
        package var field: SortField
        package var descending: Bool

        package init(_ field: SortField, descending: Bool = false) {
            self.field = field
            self.descending = descending
        }
    }

    package enum SortField: String, Sendable, CaseIterable {
        case id, createdAt, updatedAt
        case completedAt = "completed_at"
        case overallStatus = "overall_status"
    }
}
