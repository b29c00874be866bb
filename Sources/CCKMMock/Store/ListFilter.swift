import GRDB

/// A `ListQuery` turned into SQL for one family and domain. The SQL text depends only on the
/// shape of the query (which filters, how many values, which order), so GRDB's statement cache
/// reuses it across requests; the values travel as arguments, never inside the text.
struct ListFilter {
    let whereSQL: String
    let orderSQL: String
    let arguments: StatementArguments
    /// How `total` is counted, from the cheapest source that can answer it.
    let countSQL: String
    let countArguments: StatementArguments

    /// `family` or `domain` nil: every family or every domain (the control API's view).
    init(family: JobFamily?, domain: String?, query: ListQuery) {
        let scope = Self.scope(family: family, domain: domain)
        var clauses = scope.clauses
        var arguments = scope.arguments
        if !query.ids.isEmpty {
            clauses.append("id IN (\(Self.placeholders(query.ids.count)))")
            arguments += StatementArguments(query.ids)
        }
        let statuses = Array(Set(query.statuses.map(\.rawValue))).sorted()
        if !statuses.isEmpty {
            clauses.append("status IN (\(Self.placeholders(statuses.count)))")
            arguments += StatementArguments(statuses)
        }
        if !query.targets.isEmpty {
            clauses.append(
                "seq IN (SELECT job FROM job_target WHERE \((scope.clauses + ["value IN (\(Self.placeholders(query.targets.count)))"]).joined(separator: " AND ")))"
            )
            arguments += scope.arguments
            arguments += StatementArguments(query.targets)
        }
        whereSQL = clauses.isEmpty ? "1" : clauses.joined(separator: " AND ")
        self.arguments = arguments
        orderSQL = Self.order(query.sort)

        (countSQL, countArguments) = Self.count(
            family: family, domain: domain, query: query, statuses: statuses, whereSQL: whereSQL, arguments: arguments)
    }

    /// Status filter or none: the trigger-kept `job_count`. Targets (and status): the covering
    /// `job_target_by_value` index, DISTINCT because a job can match several values. Ids: the rows.
    private static func count(
        family: JobFamily?, domain: String?, query: ListQuery, statuses: [String], whereSQL: String, arguments: StatementArguments
    ) -> (String, StatementArguments) {
        guard query.ids.isEmpty else { return ("SELECT COUNT(*) FROM job WHERE " + whereSQL, arguments) }
        let scope = Self.scope(family: family, domain: domain)
        var clauses = scope.clauses
        var countArguments = scope.arguments
        let table: String
        if query.targets.isEmpty {
            table = "SELECT COALESCE(SUM(n), 0) FROM job_count"
        } else {
            table = "SELECT COUNT(DISTINCT job) FROM job_target"
            clauses.append("value IN (\(placeholders(query.targets.count)))")
            countArguments += StatementArguments(query.targets)
        }
        if !statuses.isEmpty {
            clauses.append("status IN (\(placeholders(statuses.count)))")
            countArguments += StatementArguments(statuses)
        }
        return (clauses.isEmpty ? table : table + " WHERE " + clauses.joined(separator: " AND "), countArguments)
    }

    private static func scope(family: JobFamily?, domain: String?) -> (clauses: [String], arguments: StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let family {
            clauses.append("family = ?")
            arguments += [family.name]
        }
        if let domain {
            clauses.append("domain = ?")
            arguments += [domain]
        }
        return (clauses, arguments)
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    /// Newest first by default. Missing `completed_at` sorts as PostgreSQL (and so real CM) sorts
    /// NULL: last going up, first going down (see `StoreSchema.completedSortKey`). `seq` breaks
    /// ties so that paging is stable.
    private static func order(_ keys: [ListQuery.SortKey]) -> String {
        guard !keys.isEmpty else { return "created_at DESC, seq DESC" }
        var terms: [String] = []
        for key in keys {
            let direction = key.descending ? "DESC" : "ASC"
            switch key.field {
            case .id: terms.append("id \(direction)")
            case .createdAt: terms.append("created_at \(direction)")
            case .updatedAt: terms.append("updated_at \(direction)")
            case .completedAt: terms.append("\(StoreSchema.completedSortKey) \(direction)")
            case .overallStatus: terms.append("status \(direction)")
            }
        }
        terms.append("seq \(keys.last!.descending ? "DESC" : "ASC")")
        return terms.joined(separator: ", ")
    }
}
