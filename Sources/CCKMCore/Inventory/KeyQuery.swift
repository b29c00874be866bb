/// What a `GET` on an inventory key list asks for: paging, exact-match filters (each with one or
/// more values, any of which matches) and order. The edge parses it from a query
/// (`KeyQuery+Parsing.swift`); the store reads it.
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
            && lhs.sort.map { "\($0.field)\($0.descending)" } == rhs.sort.map { "\($0.field)\($0.descending)" }
    }

    /// The AWS key list's filters, named as CM's query parameters. Booleans are `true` or `false`.
    package enum Filter: String, Sendable, CaseIterable {
        case id, keyid, region, alias, arn, kms
        case kmsID = "kms_id"
        case gone, enabled, keystate
        case multiRegion = "multi_region"
        case multiRegionKeyType = "multi_region_key_type"
        case origin, keyusage, keymanager
        case customerMasterKeySpec = "CustomerMasterKeySpec"
        case cloudName = "cloud_name"
        case keyMaterialOrigin = "key_material_origin"

        package var isBoolean: Bool { self == .gone || self == .enabled || self == .multiRegion }

        /// Longest one occurrence may be, in Unicode scalars: names and ARNs as AWS allows them,
        /// ids and the rest shorter, so that every filter at once still fits a request target.
        package var maxLength: Int {
            switch self {
            case .alias, .arn, .kms: 256
            default: 64
            }
        }
    }

    package enum SortField: String, Sendable, CaseIterable {
        case createdAt, updatedAt
        case syncedAt = "synced_at"
        case region, alias
    }
}
