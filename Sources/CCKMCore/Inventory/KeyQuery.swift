/// What a `GET` on an inventory list asks for: paging, exact-match filters (each with one or more
/// values, any of which matches) and order. The edge parses it from a query against the list's
/// cloud's filters (`KeyQuery+Parsing.swift`); the store turns each filter's source into SQL.
package struct KeyQuery: Sendable, Equatable {
    package var skip = 0
    /// `-1`: every key.
    package var limit = 10
    package var filters: [Filter: [String]] = [:]
    /// Empty: the default order, newest `createdAt` first.
    package var sort: [(field: SortField, descending: Bool)] = []

    package init() {}

    package static func == (lhs: KeyQuery, rhs: KeyQuery) -> Bool {
        lhs.skip == rhs.skip && lhs.limit == rhs.limit && lhs.filters == rhs.filters
            && lhs.sort.map { "\($0.field.name)\($0.descending)" } == rhs.sort.map { "\($0.field.name)\($0.descending)" }
    }

    /// One of a list's filters, named as CM's query parameter, and what it compares.
    package struct Filter: Sendable, Hashable {
        package enum Source: Sendable, Hashable {
            /// The record's CM id, its cloud id, region, name (AWS: alias), container's name and CM id.
            case id, cloudID, region, name, containerName, containerID, gone
            /// An AWS alias, with or without `alias/`; an AWS ARN.
            case alias, arn
            /// A member of the cloud's parameters, or of the document as served (a JSON path).
            case parameter(String)
            case document(String)
            /// The same for every record of the list (`cloud_name`): matches or not.
            case constant(String)
            /// Azure's `version`: a version's place among its key's (0 the first), `-1` the latest.
            case version
        }

        package let name: String
        package let source: Source
        package let isBoolean: Bool
        /// Longest one occurrence may be, in Unicode scalars: names and ARNs as clouds allow
        /// them, ids and the rest shorter, so that every filter at once still fits a request target.
        package let maxLength: Int

        package init(_ name: String, _ source: Source, boolean: Bool = false, maxLength: Int = 64) {
            self.name = name
            self.source = source
            self.isBoolean = boolean
            self.maxLength = maxLength
        }

        /// CM ids compare in lower case, however a client spells them.
        package var isCMID: Bool { source == .id || source == .containerID }

        package static func == (lhs: Filter, rhs: Filter) -> Bool { lhs.name == rhs.name }
        package func hash(into hasher: inout Hasher) { hasher.combine(name) }
    }

    package struct SortField: Sendable {
        package enum Source: Sendable { case createdAt, updatedAt, syncedAt, region, name }
        package let name: String
        package let source: Source

        package init(_ name: String, _ source: Source) {
            self.name = name
            self.source = source
        }
    }
}
