import CCKMCore
import GRDB

/// Job lists and look-ups by id, each in one read transaction on a pooled reader.
extension StoreReader {
    /// The job's JSON, or nil when the family has no job with that id in that domain.
    package func document(family: JobFamily, domain: String, id: String) throws -> String? {
        if let loop {
            return try loop.read { connection in
                let row = try connection.bound(Self.documentByID, texts: [family.name, id, domain])
                defer { connection.done(row) }
                return try connection.step(row) ? connection.text(row, 0) : nil
            }
        }
        return try database.consistentRead { db in
            try String.fetchOne(db.cachedStatement(sql: Self.documentByID), arguments: [family.name, id, domain])
        }
    }

    private static let documentByID =
        "SELECT document FROM job_document WHERE seq = (SELECT seq FROM job WHERE family = ? AND id = ? AND domain = ?)"

    /// The job's JSON and its status, read from the status column (no parse of the JSON).
    package func documentAndStatus(family: JobFamily, domain: String, id: String) throws -> (document: String, status: JobStatus?)? {
        try database.consistentRead { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT d.document, j.status FROM job AS j JOIN job_document AS d ON d.seq = j.seq
                        WHERE j.family = ? AND j.id = ? AND j.domain = ?
                        """),
                arguments: [family.name, id, domain]
            ).map { row in (row[0], JobStatus(rawValue: row[1])) }
        }
    }

    /// The job's domain, JSON and status (from its column) in any domain, in one read.
    package func lookUp(family: JobFamily, id: String) throws -> (domain: String, document: String, status: JobStatus?)? {
        try database.consistentRead { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT j.domain, d.document, j.status FROM job AS j JOIN job_document AS d ON d.seq = j.seq WHERE j.family = ? AND j.id = ?"
                ),
                arguments: [family.name, id]
            ).map { row in (row[0], row[1], JobStatus(rawValue: row[2])) }
        }
    }

    /// The page the query asks for, and the count of all its matches.
    package func list(family: JobFamily, domain: String, query: ListQuery) throws -> JobPage {
        let page = try listAcross(family: family, domain: domain, query: query)
        return JobPage(total: page.total, documents: page.jobs.map { $0.document })
    }

    /// `list`'s page as bytes: the count of all matches, and the page's documents separated by
    /// commas, appended to `into` straight from SQLite's rows (no `String` per document, no array of
    /// them: a list's own cost was its allocations more than its queries).
    package func listBytes(family: JobFamily, domain: String, query: ListQuery, into body: inout [UInt8]) throws -> Int {
        let filter = ListFilter(family: family, domain: domain, query: query)
        guard let loop else { return try listBytesThroughPool(filter, query, into: &body) }
        return try loop.read { connection in
            let count = try connection.bound(filter.countSQL, texts: filter.countValues)
            let total = try connection.step(count) ? Int(connection.int64(count, 0)) : 0
            connection.done(count)
            guard query.limit != 0, query.skip < total else { return total }
            // The page's seqs from its index, each one's document by its key, as SQLite's own API
            // makes them cheap: no `json_each` list to build and parse.
            let page = try connection.bound(filter.pageSQL, texts: filter.pageValues, integers: [Int64(query.limit), Int64(query.skip)])
            defer { connection.done(page) }
            var found = 0
            while try connection.step(page) {
                let seq = connection.int64(page, 0)
                let document = try connection.document(seq: seq)
                defer { connection.done(document) }
                guard try connection.step(document) else { throw StoreError.missingDocument(seq: seq) }
                if found > 0 { body.append(UInt8(ascii: ",")) }
                connection.append(document, 0, to: &body)
                found += 1
            }
            return total
        }
    }

    /// `listBytes` on GRDB's pool, for a `:memory:` store.
    private func listBytesThroughPool(_ filter: ListFilter, _ query: ListQuery, into body: inout [UInt8]) throws -> Int {
        try inReadTransaction { db in
            let total = try Int.fetchOne(db.cachedStatement(sql: filter.countSQL), arguments: filter.countArguments) ?? 0
            guard query.limit != 0, query.skip < total else { return total }
            var arguments = filter.pageArguments
            arguments += [query.limit, query.skip]
            // The page's seqs as the JSON array `json_each` reads.
            var seqs: [UInt8] = [UInt8(ascii: "[")]
            var count = 0
            let rows = try Int64.fetchCursor(db.cachedStatement(sql: filter.pageSQL), arguments: arguments)
            while let seq = try rows.next() {
                if count > 0 { seqs.append(UInt8(ascii: ",")) }
                seqs.append(contentsOf: String(seq).utf8)
                count += 1
            }
            seqs.append(UInt8(ascii: "]"))
            let documents = try Row.fetchCursor(
                db.cachedStatement(sql: Self.documentsInOrder), arguments: [String(decoding: seqs, as: UTF8.self)])
            var found = 0
            while let row = try documents.next() {
                if found > 0 { body.append(UInt8(ascii: ",")) }
                try row.withUnsafeData(atIndex: 1) { data in
                    data?.withUnsafeBytes { raw in body.append(contentsOf: raw.assumingMemoryBound(to: UInt8.self)) }
                }
                found += 1
            }
            // A document missing for a job of the page (the two reads share one snapshot).
            guard found == count else { throw StoreError.missingDocument(seq: -1) }
            return total
        }
    }

    /// A job on a page of the control API's list, with what the CCKM API does not show.
    package struct ListedJob: Sendable, Equatable {
        package var family: String
        package var domain: String
        package var document: String
    }

    /// Like `list`, with `family` or `domain` nil meaning all of them.
    ///
    /// Three statements in one read transaction, whatever the page size: the count, the page's
    /// rows from an index, and their documents in page order, since GRDB's cost per statement, not
    /// SQLite's, is most of a read. The
    /// documents are not joined into the page query itself: an order no index serves is sorted,
    /// and SQLite would carry every match's document through the sort.
    package func listAcross(family: JobFamily?, domain: String?, query: ListQuery) throws -> (total: Int, jobs: [ListedJob]) {
        let filter = ListFilter(family: family, domain: domain, query: query)
        return try database.consistentRead { db in
            let total = try Int.fetchOne(db.cachedStatement(sql: filter.countSQL), arguments: filter.countArguments) ?? 0
            guard query.limit != 0, query.skip < total else { return (total, []) }
            var arguments = filter.pageArguments
            arguments += [query.limit, query.skip]
            var seqs: [Int64] = []
            var jobs: [ListedJob] = []
            let rows = try Row.fetchCursor(db.cachedStatement(sql: filter.pageSQL), arguments: arguments)
            while let row = try rows.next() {
                seqs.append(row[0])
                jobs.append(ListedJob(family: row[1], domain: row[2], document: ""))
            }
            let list = "[" + seqs.map(String.init).joined(separator: ",") + "]"
            let documents = try Row.fetchCursor(db.cachedStatement(sql: Self.documentsInOrder), arguments: [list])
            var index = 0
            while let row = try documents.next() {
                guard index < seqs.count, row[0] == seqs[index] else { break }
                jobs[index].document = row[1]
                index += 1
            }
            guard index == seqs.count else { throw StoreError.missingDocument(seq: seqs[index]) }
            return (total, jobs)
        }
    }

    /// The documents of a JSON array of `seq`s, in the array's order.
    private static let documentsInOrder = """
        SELECT d.seq, d.document FROM json_each(?) AS e JOIN job_document AS d ON d.seq = e.value ORDER BY e.key
        """

    /// Jobs in all families and domains, for health checks and tests.
    public func count() throws -> Int {
        try database.consistentRead { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(SUM(n), 0) FROM job_count")) ?? 0 }
    }

    /// Jobs of one status in all families and domains.
    package func count(status: JobStatus) throws -> Int {
        try database.consistentRead { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(SUM(n), 0) FROM job_count WHERE status = ?"), arguments: [status.rawValue]) ?? 0
        }
    }

    /// The query plan SQLite picks for `sql`, one line per step.
    package func queryPlan(sql: String, arguments: StatementArguments) throws -> [String] {
        try database.consistentRead { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    /// The query plan SQLite picks for a list, one line per step, to check that indexes serve it.
    /// `family` or `domain` nil: across them, as the control API lists.
    package func queryPlan(family: JobFamily?, domain: String?, query: ListQuery) throws -> [String] {
        let filter = ListFilter(family: family, domain: domain, query: query)
        var arguments = filter.pageArguments
        arguments += [query.limit, query.skip]
        return try database.consistentRead { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + filter.pageSQL, arguments: arguments).map { $0["detail"] as String }
        }
    }
}
