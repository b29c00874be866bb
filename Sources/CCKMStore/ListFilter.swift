import CCKMCore
import GRDB

/// A `ListQuery` turned into SQL for one family and domain. The SQL text depends only on the
/// shape of the query (which filters, how many values, which order), so GRDB's statement cache
/// reuses it across requests; the values travel as arguments, never inside the text.
package struct ListFilter {
    /// `SELECT seq, family, domain … LIMIT ? OFFSET ?`: the page's jobs in order; the limit and the
    /// offset are the last two arguments, after `pageArguments`.
    package let pageSQL: String
    /// The page's arguments, all texts: bound by GRDB (`pageArguments`) or by a loop connection.
    package let pageValues: [String]
    /// How `total` is counted, from the cheapest source that can answer it.
    package let countSQL: String
    package let countValues: [String]

    package var pageArguments: StatementArguments { StatementArguments(pageValues) }
    package var countArguments: StatementArguments { StatementArguments(countValues) }

    /// `family` or `domain` nil: every family or every domain (the control API's view).
    package init(family: JobFamily?, domain: String?, query: ListQuery) {
        let scope = Self.scope(family: family, domain: domain)
        let statuses = query.statuses.isEmpty ? [] : Array(Set(query.statuses.map(\.rawValue))).sorted()
        let targets = query.targets.isEmpty ? [] : Array(Set(query.targets)).sorted()
        var clauses = scope.clauses
        var arguments = scope.arguments
        if !query.ids.isEmpty {
            // Across families, every family named: the unique index leads with the family, and
            // `id` alone would scan the whole table (66 ms on 1,000,000 jobs).
            if family == nil { clauses.append(Self.everyFamily) }
            clauses.append("id IN (\(Self.placeholders(query.ids.count)))")
            arguments += query.ids
        }
        if !statuses.isEmpty {
            clauses.append("status IN (\(Self.placeholders(statuses.count)))")
            arguments += statuses
        }
        // The rows of `job_target` the target filter matches, status included (the table keeps a
        // copy of it): with a status, the list the subquery builds holds only the jobs that pass both.
        var targetClauses = scope.clauses
        var targetArguments = scope.arguments
        if !targets.isEmpty {
            targetClauses.append("value IN (\(Self.placeholders(targets.count)))")
            targetArguments += targets
            if !statuses.isEmpty {
                targetClauses.append("status IN (\(Self.placeholders(statuses.count)))")
                targetArguments += statuses
            }
        }
        let targetWhere = Self.conjunction(targetClauses)

        if targets.count == 1, statuses.count == 1, statuses[0] != JobStatus.inProgress.rawValue, family != nil, domain != nil,
            query.ids.isEmpty, let order = Self.updateOrder(query.sort)
        {
            // One target value and one final status by update time: one range of
            // `job_target_by_updated`, whose update times are those of the jobs' ends.
            pageSQL =
                "SELECT job, family, domain FROM job_target WHERE \(targetWhere) ORDER BY updated_at \(order), job \(order) LIMIT ? OFFSET ?"
            pageValues = targetArguments
        } else if targets.count == 1, family != nil, domain != nil, query.ids.isEmpty, let order = Self.creationOrder(query.sort) {
            // One target value in creation order: one range of `job_target_by_created`, which holds
            // the job's creation time next to the value; `job` is the job's `seq`.
            pageSQL =
                "SELECT job, family, domain FROM job_target WHERE \(targetWhere) ORDER BY created_at \(order), job \(order) LIMIT ? OFFSET ?"
            pageValues = targetArguments
        } else {
            if !targets.isEmpty {
                clauses.append("seq IN (SELECT job FROM job_target WHERE \(targetWhere))")
                arguments += targetArguments
            }
            let whereSQL = clauses.isEmpty ? "1" : Self.conjunction(clauses)
            pageSQL = "SELECT seq, family, domain FROM job WHERE \(whereSQL) ORDER BY \(Self.order(query.sort)) LIMIT ? OFFSET ?"
            pageValues = arguments
        }

        if !query.ids.isEmpty {
            // The ids name a handful of rows: count them.
            countSQL = "SELECT COUNT(*) FROM job WHERE " + Self.conjunction(clauses)
            countValues = arguments
        } else if targets.count > 1 {
            // A job can match several values: each counted once, from the covering `job_target_by_created`.
            countSQL = "SELECT COUNT(DISTINCT job) FROM job_target WHERE " + targetWhere
            countValues = targetArguments
        } else {
            // No value or one, with or without a status: the trigger-kept counts.
            var countClauses = scope.clauses
            var counted = scope.arguments
            if let target = targets.first {
                countClauses.append("value = ?")
                counted += [target]
            }
            if !statuses.isEmpty {
                countClauses.append("status IN (\(Self.placeholders(statuses.count)))")
                counted += statuses
            }
            if targets.isEmpty, statuses.isEmpty, family != nil, domain != nil {
                countSQL = "SELECT COALESCE(SUM(n), 0) FROM job_count WHERE family = ? AND domain = ?"
            } else {
                let table = targets.isEmpty ? "job_count" : "job_target_count"
                countSQL =
                    "SELECT COALESCE(SUM(n), 0) FROM \(table)" + (countClauses.isEmpty ? "" : " WHERE " + Self.conjunction(countClauses))
            }
            countValues = counted
        }
    }

    private static func scope(family: JobFamily?, domain: String?) -> (clauses: [String], arguments: [String]) {
        var clauses: [String] = []
        var arguments: [String] = []
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

    /// `family IN ('aws', …)`: every family, so that a look-up by id across them seeks the unique
    /// index (family, id) once per family instead of scanning it. Constants, not values from a request.
    package static let everyFamily = "family IN (" + JobFamily.all.map { "'\($0.name)'" }.joined(separator: ", ") + ")"

    /// The clauses joined with `AND`; the one scope every CCKM list has is a constant (a list's
    /// SQL was rebuilt from its parts on every request).
    private static func conjunction(_ clauses: [String]) -> String {
        if clauses.count == 2, clauses[0] == "family = ?", clauses[1] == "domain = ?" { return "family = ? AND domain = ?" }
        return clauses.joined(separator: " AND ")
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    /// `DESC` or `ASC` when the order is by update time alone.
    private static func updateOrder(_ keys: [ListQuery.SortKey]) -> String? {
        guard keys.count == 1, keys[0].field == .updatedAt else { return nil }
        return keys[0].descending ? "DESC" : "ASC"
    }

    /// `DESC` or `ASC` when the order is by creation time alone (the default is newest first).
    private static func creationOrder(_ keys: [ListQuery.SortKey]) -> String? {
        guard let key = keys.first else { return "DESC" }
        guard keys.count == 1, key.field == .createdAt else { return nil }
        return key.descending ? "DESC" : "ASC"
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
