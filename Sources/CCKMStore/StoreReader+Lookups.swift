import CCKMCore
import GRDB

/// What the control API looks up across domains: a job's families and domain, the domains in use, the events.
extension StoreReader {
    /// The families holding a job with this id (ids are unique within a family only).
    public func families(holding id: String, domain: String? = nil) throws -> [JobFamily] {
        try database.consistentRead { db in
            let names =
                if let domain {
                    try String.fetchAll(db.cachedStatement(sql: Self.familiesHoldingInDomain), arguments: [id, domain])
                } else {
                    try String.fetchAll(db.cachedStatement(sql: Self.familiesHolding), arguments: [id])
                }
            return names.compactMap(JobFamily.named)
        }
    }

    /// Every family named: the unique index (family, id) is sought once per family, where `id`
    /// alone would scan the whole table (66 ms on 1,000,000 jobs).
    package static let familiesHolding = "SELECT family FROM job WHERE \(ListFilter.everyFamily) AND id = ? ORDER BY family"
    package static let familiesHoldingInDomain = "SELECT family FROM job WHERE \(ListFilter.everyFamily) AND id = ? AND domain = ? ORDER BY family"

    /// Every domain that holds a job or a scheduler configuration, from the per-domain counts (no scan of the jobs).
    package func domainsHoldingJobs() throws -> [String] {
        try database.consistentRead { db in
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT domain FROM job_count WHERE n > 0 UNION SELECT domain FROM scheduler_config ORDER BY domain"))
        }
    }

    /// The domain of a job, for the control API, which acts across domains.
    public func domain(family: JobFamily, id: String) throws -> String? {
        try database.consistentRead { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT domain FROM job WHERE family = ? AND id = ?"), arguments: [family.name, id])
        }
    }

    /// One page of events, oldest first, after the event numbered `after` when given; `next` is
    /// the number to ask after for the rest, nil when this page holds the last.
    package func eventPage(jobID: String? = nil, since: Timestamp? = nil, after: Int64? = nil, limit: Int) throws -> EventPage {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let jobID {
            clauses.append("job_id = ?")
            arguments += [jobID]
        }
        if let since {
            clauses.append("at >= ?")
            arguments += [since.nanoseconds]
        }
        if let after {
            clauses.append("id > ?")
            arguments += [after]
        }
        // One more than asked: whether it comes back says if there is a next page.
        arguments += [limit + 1]
        let sql = "SELECT * FROM job_event" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY id LIMIT ?"
        let rows = try database.consistentRead { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        let page = rows.prefix(limit)
        let events = page.compactMap { row in
            JobFamily.named(row["family"]).map { family in
                JobEvent(
                    family: family, domain: row["domain"], jobID: row["job_id"], target: row["target"], from: row["from_state"],
                    to: row["to_state"], at: Timestamp(nanoseconds: row["at"]))
            }
        }
        return EventPage(events: events, next: rows.count > limit ? page.last?["id"] : nil)
    }
}

/// A page of `/__admin/events`.
package struct EventPage: Sendable {
    package var events: [JobEvent]
    /// The cursor for the next page; nil on the last.
    package var next: Int64?
}
