import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// A job list's query string, parsed and checked into a `ListQuery`.
extension ListQuery {
    /// Reads `skip`, `limit`, `id`, `overall_status`, `sort` and the family's target filter.
    /// Other parameters are ignored, as CM ignores them. Multi-valued filters come as repeated keys
    /// or comma-joined values; an empty value counts as absent.
    static func parse(_ items: [QueryItem], family: JobFamily) throws(InputError) -> ListQuery {
        try parse(items, targetParameter: family.filterParameter)
    }

    /// The same rules, with the target filter read from `targetParameter`.
    static func parse(_ items: [QueryItem], targetParameter: String) throws(InputError) -> ListQuery {
        var query = ListQuery()
        for item in items {
            guard let value = item.value, !value.isEmpty else { continue }
            switch item.name {
            case "skip":
                guard let skip = Int(value), (0...maxPaging).contains(skip) else {
                    throw .invalidParameter("skip", "\"\(value)\" is not a whole number from 0 to \(maxPaging)")
                }
                query.skip = skip
            case "limit":
                guard let limit = Int(value), (-1...maxPaging).contains(limit) else {
                    throw .invalidParameter("limit", "\"\(value)\" is not a whole number from 0 to \(maxPaging), or -1 for all")
                }
                query.limit = limit
            case "id":
                // Ids are UUIDs, which CM matches without regard to case; the store holds them lower-case.
                query.ids += try values(of: value, name: "id", adding: query.ids.count).map { $0.lowercased() }
            case "overall_status":
                for text in try values(of: value, name: "overall_status", adding: query.statuses.count) {
                    guard let status = JobStatus(lenient: text) else {
                        throw .invalidParameter("overall_status", "\"\(text)\" is not one of in_progress, completed, failed")
                    }
                    query.statuses.append(status)
                }
            case targetParameter:
                query.targets += try values(of: value, name: targetParameter, adding: query.targets.count)
            case "sort":
                query.sort = try sortKeys(value)
            default:
                continue
            }
        }
        return query
    }

    private static func values(of text: String, name: String, adding existing: Int) throws(InputError) -> [String] {
        guard text.unicodeScalars.count <= maxFilterLength else {
            throw .invalidParameter(name, "longer than \(maxFilterLength) characters; repeat the parameter for more values")
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        guard existing + parts.count <= maxFilterValues else {
            throw .invalidParameter(name, "more than \(maxFilterValues) values")
        }
        return parts
    }

    private static func sortKeys(_ text: String) throws(InputError) -> [SortKey] {
        var keys: [SortKey] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            // One sign at most: "-" descending, "+" (which arrives as a space when not encoded) ascending.
            let signed = part.first == "-" || part.first == "+" || part.first == " "
            let descending = part.first == "-"
            let name = signed ? part.dropFirst() : part[...]
            guard let field = SortField(rawValue: String(name)) else {
                let known = SortField.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidParameter("sort", "unknown field \"\(name)\" (sortable: \(known))")
            }
            keys.append(SortKey(field, descending: descending))
        }
        return keys
    }
}
