import CCKMCore
import HTTPServer

/// An inventory key list's query string, parsed and checked into a `KeyQuery`.
extension KeyQuery {
    /// Reads `skip`, `limit` (`-1` for all), `sort` and `cloud`'s filters; a filter repeated or
    /// comma-joined matches any of its values. Other parameters are ignored, as CM ignores them;
    /// an empty value counts as absent.
    static func parse(_ items: [QueryItem], cloud: CloudKey.Cloud = .aws) throws(InputError) -> KeyQuery {
        var query = KeyQuery()
        let filters = Dictionary(uniqueKeysWithValues: cloud.filters.map { ($0.name, $0) })
        let sortFields = cloud.sortFields
        for item in items {
            guard let value = item.value, !value.isEmpty else { continue }
            switch item.name {
            case "skip":
                guard let skip = Int(value), (0...ListQuery.maxPaging).contains(skip) else {
                    throw .invalidParameter("skip", "\"\(value)\" is not a whole number from 0 to \(ListQuery.maxPaging)")
                }
                query.skip = skip
            case "limit":
                guard let limit = Int(value), (-1...ListQuery.maxPaging).contains(limit) else {
                    throw .invalidParameter("limit", "\"\(value)\" is not a whole number from 0 to \(ListQuery.maxPaging), or -1 for all")
                }
                query.limit = limit
            case "sort":
                for field in value.split(separator: ",") {
                    let name = "-+ ".contains(field.first!) ? field.dropFirst() : field[...]
                    guard let sortField = sortFields.first(where: { $0.name == name }) else {
                        let known = sortFields.map(\.name).joined(separator: ", ")
                        throw .invalidParameter("sort", "\"\(field)\" is not a field keys sort by (\(known), each with an optional -)")
                    }
                    query.sort.append((sortField, field.first == "-"))
                }
            default:
                guard let filter = filters[item.name] else { continue }
                guard value.unicodeScalars.count <= filter.maxLength else {
                    throw .invalidParameter(item.name, "longer than \(filter.maxLength) characters")
                }
                let values = value.split(separator: ",").map(String.init)
                if values.isEmpty { continue }
                if filter.isBoolean, let bad = values.first(where: { $0 != "true" && $0 != "false" }) {
                    throw .invalidParameter(item.name, "\"\(bad)\" is not true or false")
                }
                if filter.source == .version, let bad = values.first(where: { Int($0).map { $0 < -1 } ?? true }) {
                    throw .invalidParameter(item.name, "\"\(bad)\" is not a version number (0 the first), or -1 for the latest")
                }
                query.filters[filter, default: []] += values.map { filter.isCMID ? $0.lowercased() : $0 }
                if query.filters[filter]!.count > ListQuery.maxFilterValues {
                    throw .invalidParameter(item.name, "more than \(ListQuery.maxFilterValues) values")
                }
            }
        }
        return query
    }
}
