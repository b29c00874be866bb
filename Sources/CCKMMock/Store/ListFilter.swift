import GRDB

/// A `ListQuery` turned into SQL for one family and domain. The SQL text depends only on the
/// shape of the query (which filters, how many values, which order), so GRDB's statement cache
/// reuses it across requests; the values travel as arguments, never inside the text.
struct ListFilter {
    let whereSQL: String
    let orderSQL: String
    let arguments: StatementArguments
    /// No id or target filter: `total` comes from `job_count`.
    let isCountedByTrigger: Bool
    let countedSQL: String
    let countedArguments: StatementArguments

    init(family: JobFamily, domain: String, query: ListQuery) {
        var clauses = ["family = ?", "domain = ?"]
        var arguments: StatementArguments = [family.name, domain]
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
                "seq IN (SELECT job FROM job_target WHERE family = ? AND domain = ? AND value IN (\(Self.placeholders(query.targets.count))))")
            arguments += [family.name, domain]
            arguments += StatementArguments(query.targets)
        }
        whereSQL = clauses.joined(separator: " AND ")
        self.arguments = arguments
        orderSQL = Self.order(query.sort)

        isCountedByTrigger = query.ids.isEmpty && query.targets.isEmpty
        var counted = "SELECT COALESCE(SUM(n), 0) FROM job_count WHERE family = ? AND domain = ?"
        var countedArguments: StatementArguments = [family.name, domain]
        if !statuses.isEmpty {
            counted += " AND status IN (\(Self.placeholders(statuses.count)))"
            countedArguments += StatementArguments(statuses)
        }
        countedSQL = counted
        self.countedArguments = countedArguments
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    /// Newest first by default. Missing `completed_at` sorts as PostgreSQL (and so real CM) sorts
    /// NULL: last going up, first going down. `seq` breaks ties so that paging is stable.
    private static func order(_ keys: [ListQuery.SortKey]) -> String {
        guard !keys.isEmpty else { return "created_at DESC, seq DESC" }
        var terms: [String] = []
        for key in keys {
            let direction = key.descending ? "DESC" : "ASC"
            switch key.field {
            case .id: terms.append("id \(direction)")
            case .createdAt: terms.append("created_at \(direction)")
            case .updatedAt: terms.append("updated_at \(direction)")
            case .completedAt: terms.append("completed_at \(direction) NULLS \(key.descending ? "FIRST" : "LAST")")
            case .overallStatus: terms.append("status \(direction)")
            }
        }
        terms.append("seq \(keys.last!.descending ? "DESC" : "ASC")")
        return terms.joined(separator: ", ")
    }
}
