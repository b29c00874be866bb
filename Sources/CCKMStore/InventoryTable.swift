import CCKMCore
import GRDB

/// The fake cloud (`cloud_key`), CM's inventory (`cm_key`) and what clients create before a sync
/// (`cm_resource`: connections and containers), migration v11. Reads on the store's reader;
/// every write takes the engine's `Database`, like the jobs'. A `cm_key` row's cloud parameters
/// are read from its document (`aws_param`, …); its `parameters` column is kept empty, as a row
/// holding them twice no longer fits two to a page.
package struct InventoryTable: Sendable {
    let database: any DatabaseReader

    package enum ResourceKind: String, Sendable {
        case awsConnection = "aws-connection"
        case awsKMS = "aws-kms"
        case azureVault = "azure-vault"
        case googleKeyRing = "google-key-ring"
        case ociVault = "oci-vault"

        /// The container a sync of `cloud` names.
        package static func container(of cloud: CloudKey.Cloud) -> ResourceKind {
            switch cloud {
            case .aws: .awsKMS
            case .azure, .azureSecret, .azureCertificate: .azureVault
            case .google: .googleKeyRing
            case .oci: .ociVault
            }
        }
    }

    // MARK: The fake cloud

    package func insertCloudKey(_ key: CloudKey, _ db: Database) throws {
        guard try !cloudKeyExists(key.cloud, key.cloudID, db) else { throw StoreError.conflict("The cloud already has a key \(key.cloudID)") }
        try db.execute(
            sql: "INSERT INTO cloud_key (cloud, container, cloud_id, name, parameters, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                key.cloud.rawValue, key.container, key.cloudID, key.name, JSONValue.object(key.parameters).jsonText, key.createdAt.nanoseconds,
                key.updatedAt.nanoseconds,
            ])
    }

    /// A fixture's key: put in the cloud, or put back as the fixture has it. Statements prepared
    /// once per load: a generated fixture holds a hundred thousand.
    package func replaceCloudKey(_ key: CloudKey, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM cloud_key WHERE cloud = ? AND cloud_id = ?").execute(arguments: [key.cloud.rawValue, key.cloudID])
        try db.cachedStatement(
            sql: "INSERT INTO cloud_key (cloud, container, cloud_id, name, parameters, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            key.cloud.rawValue, key.container, key.cloudID, key.name, JSONValue.object(key.parameters).jsonText, key.createdAt.nanoseconds,
            key.updatedAt.nanoseconds,
        ])
    }

    private func cloudKeyExists(_ cloud: CloudKey.Cloud, _ cloudID: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM cloud_key WHERE cloud = ? AND cloud_id = ?)", arguments: [cloud.rawValue, cloudID])
            ?? false
    }

    /// The key changed by `change`; nil when the cloud has no such key.
    package func updateCloudKey(_ cloud: CloudKey.Cloud, _ cloudID: String, _ change: (inout CloudKey) throws -> Void, _ db: Database) throws
        -> CloudKey?
    {
        guard var key = try Self.cloudKeys(cloud: cloud, cloudID: cloudID, db).first else { return nil }
        try change(&key)
        try db.execute(
            sql: "UPDATE cloud_key SET name = ?, parameters = ?, updated_at = ? WHERE cloud = ? AND cloud_id = ?",
            arguments: [key.name, JSONValue.object(key.parameters).jsonText, key.updatedAt.nanoseconds, cloud.rawValue, cloudID])
        return key
    }

    /// Deletes a record; for Azure, whose records are versions, every version of its key.
    package func deleteCloudKey(_ cloud: CloudKey.Cloud, _ cloudID: String, _ db: Database) throws -> Bool {
        guard let key = try Self.cloudKeys(cloud: cloud, cloudID: cloudID, db).first else { return false }
        if cloud.isVersioned {
            try db.execute(
                sql: "DELETE FROM cloud_key WHERE cloud = ? AND container = ? AND name = ?", arguments: [cloud.rawValue, key.container, key.name])
        } else {
            try db.execute(sql: "DELETE FROM cloud_key WHERE cloud = ? AND cloud_id = ?", arguments: [cloud.rawValue, cloudID])
        }
        return true
    }

    /// Every key in the cloud (or one of them), oldest first.
    package func cloudKeys(cloud: CloudKey.Cloud? = nil, cloudID: String? = nil) throws -> [CloudKey] {
        try database.consistentRead { db in try Self.cloudKeys(cloud: cloud, cloudID: cloudID, db) }
    }

    static func cloudKeys(cloud: CloudKey.Cloud? = nil, cloudID: String? = nil, container: String? = nil, _ db: Database) throws -> [CloudKey] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let cloud { conditions.append("cloud = ?"); arguments += [cloud.rawValue] }
        if let cloudID { conditions.append("cloud_id = ?"); arguments += [cloudID] }
        if let container { conditions.append("container = ?"); arguments += [container] }
        let condition = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(
            db, sql: "SELECT cloud, container, cloud_id, name, parameters, created_at, updated_at FROM cloud_key\(condition) ORDER BY seq",
            arguments: arguments
        ).map { row in
            CloudKey(
                cloud: CloudKey.Cloud(rawValue: row["cloud"]) ?? .aws, container: row["container"], cloudID: row["cloud_id"], name: row["name"],
                parameters: (try? JSONParser.parse(Array((row["parameters"] as String).utf8)).objectValue) ?? [],
                createdAt: Timestamp(nanoseconds: row["created_at"]), updatedAt: Timestamp(nanoseconds: row["updated_at"]))
        }
    }

    /// The fake AWS cloud's regions: its standard five, then every other one a key lives in.
    package func awsRegions() throws -> [String] {
        try database.consistentRead { db in
            let used = try String.fetchAll(db, sql: "SELECT DISTINCT container FROM cloud_key WHERE cloud = 'aws' ORDER BY container")
            return (FakeAWS.regions + used.map { String($0.split(separator: "/", maxSplits: 1).last ?? "") }).uniqued()
        }
    }

    // MARK: A sync

    /// Whether a sync of `cloud` in `domain` can change anything: the cloud holds a record of it,
    /// or the domain's inventory does (which a sync may mark gone).
    package func inUse(domain: String, cloud: CloudKey.Cloud, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM cloud_key WHERE cloud = ?1)
                        OR EXISTS (SELECT 1 FROM cm_key_count WHERE domain = ?2 AND cloud = ?1 AND n > 0)
                    """), arguments: [cloud.rawValue, domain]) ?? true
    }

    /// What a completed sync target does to a domain's inventory: every cloud record of
    /// `container` in, kept under its CM id (`synced_at` the target's end; `region` the target's
    /// when it names one), and every record the inventory had there that the cloud no longer has
    /// marked `gone`. Azure's records are versions: each knows its place among its key's.
    package func sync(
        domain: String, cloud: CloudKey.Cloud, container: String, containerName: String, containerID: String, region: String?, at time: Timestamp,
        _ db: Database
    ) throws {
        let inCloud = try Self.cloudKeys(cloud: cloud, container: container, db)
        var known: [String: (created: Int64, gone: Bool)] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT cloud_id, created_at, gone FROM cm_key WHERE domain = ? AND cloud = ? AND container = ?",
            arguments: [domain, cloud.rawValue, container])
        {
            known[row["cloud_id"]] = (row["created_at"], row["gone"])
        }
        let versions = Dictionary(grouping: inCloud.map(\.name), by: { $0 }).mapValues(\.count)
        var seen: [String: Int] = [:]
        for key in inCloud {
            let createdAt = known[key.cloudID].map { Timestamp(nanoseconds: $0.created) } ?? time
            known[key.cloudID] = nil
            var record = InventoryKey(
                domain: domain, key: key, containerName: containerName, containerID: containerID, region: region, createdAt: createdAt,
                updatedAt: time, syncedAt: time)
            if cloud.isVersioned {
                record.version = seen[key.name, default: 0]
                record.versionCount = versions[key.name] ?? 1
                seen[key.name] = record.version + 1
            }
            try keep(record, db)
        }
        for (cloudID, state) in known where !state.gone {
            guard var record = try Self.inventoryKeys(domain: domain, cloud: cloud, cloudID: cloudID, db).first else { continue }
            record.gone = true
            record.updatedAt = time
            record.syncedAt = time
            try keep(record, db)
        }
    }

    /// A key into a domain's inventory, or its record there brought up to date (its CM id and
    /// `createdAt` stay).
    package func keep(_ record: InventoryKey, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO cm_key (domain, cloud, id, cloud_id, container, region, name, container_name, container_id, gone, created_at,
                    updated_at, synced_at, parameters, document)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (domain, cloud, cloud_id) DO UPDATE SET container = excluded.container, region = excluded.region,
                    name = excluded.name, container_name = excluded.container_name, container_id = excluded.container_id, gone = excluded.gone,
                    updated_at = excluded.updated_at, synced_at = excluded.synced_at, parameters = excluded.parameters,
                    document = excluded.document
                """
        ).execute(arguments: arguments(record))
    }

    private func arguments(_ record: InventoryKey) -> StatementArguments {
        [
            record.domain, record.key.cloud.rawValue, record.id, record.key.cloudID, record.key.container, record.region, record.key.name,
            record.containerName, record.containerID, record.gone, record.createdAt.nanoseconds, record.updatedAt.nanoseconds,
            record.syncedAt.nanoseconds, "", record.document,
        ]
    }

    static func inventoryKeys(domain: String, cloud: CloudKey.Cloud, cloudID: String? = nil, id: String? = nil, _ db: Database) throws
        -> [InventoryKey]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT container, cloud_id, name, container_name, container_id, region, gone, created_at, updated_at, synced_at,
                    json_extract(document, '$.\(cloud.parametersMember)') AS parameters,
                    json_extract(document, '$.version') AS version, json_extract(document, '$.version_count') AS version_count
                FROM cm_key WHERE domain = ? AND cloud = ? AND \(id == nil ? "cloud_id" : "id") = ?
                """, arguments: [domain, cloud.rawValue, id ?? cloudID ?? ""]
        ).map { row in
            let parameters = (try? JSONParser.parse(Array((row["parameters"] as String).utf8)).objectValue) ?? []
            let created = Timestamp(nanoseconds: row["created_at"])
            let key = CloudKey(
                cloud: cloud, container: row["container"], cloudID: row["cloud_id"], name: row["name"], parameters: parameters, createdAt: created,
                updatedAt: created)
            var record = InventoryKey(
                domain: domain, key: key, containerName: row["container_name"], containerID: row["container_id"], region: row["region"],
                gone: row["gone"], createdAt: created, updatedAt: Timestamp(nanoseconds: row["updated_at"]),
                syncedAt: Timestamp(nanoseconds: row["synced_at"]))
            record.version = row["version"] ?? 0
            record.versionCount = row["version_count"] ?? 1
            return record
        }
    }

    // MARK: The inventory's reads

    /// A page of a domain's keys of `cloud` matching `query`, and how many match in all.
    package func keys(domain: String, cloud: CloudKey.Cloud, query: KeyQuery) throws -> (total: Int, documents: [String]) {
        var conditions = ["domain = ?", "cloud = ?"]
        var arguments: StatementArguments = [domain, cloud.rawValue]
        for (filter, values) in query.filters.sorted(by: { $0.key.name < $1.key.name }) {
            let (expression, values) = Self.condition(filter, values, cloud: cloud)
            conditions.append(expression)
            arguments += values
        }
        let condition = conditions.joined(separator: " AND ")
        // A filter on an indexed column (a CM id, a cloud id, a name: the lookups clients make)
        // finds its few rows by that index; without table statistics SQLite would rather walk
        // the order's index through every key (a third of a second on 100,000). `+` keeps the
        // order's columns from choosing an index.
        let indexed = query.filters.keys.contains { [.id, .cloudID, .name, .alias, .arn].contains($0.source) }
        let unindexed = indexed ? "+" : ""
        let order =
            query.sort.isEmpty
            ? "\(unindexed)created_at DESC, \(unindexed)seq DESC"
            : query.sort.map { "\(unindexed)\(Self.column($0.field)) \($0.descending ? "DESC" : "ASC")" }.joined(separator: ", ")
                + ", \(unindexed)seq"
        let counted = query.filters.isEmpty
        return try database.consistentRead { db in
            let total =
                try counted
                ? Int.fetchOne(
                    db.cachedStatement(sql: "SELECT n FROM cm_key_count WHERE domain = ? AND cloud = ?"), arguments: [domain, cloud.rawValue])
                : Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cm_key WHERE \(condition)", arguments: arguments)
            let documents = try String.fetchAll(
                db, sql: "SELECT document FROM cm_key WHERE \(condition) ORDER BY \(order) LIMIT ? OFFSET ?",
                arguments: arguments + [query.limit, query.skip])
            return (total ?? 0, documents)
        }
    }

    /// One record of a domain by its CM id, as a value (for what its document does not hold).
    package func record(domain: String, cloud: CloudKey.Cloud, id: String) throws -> InventoryKey? {
        try database.consistentRead { db in try Self.inventoryKeys(domain: domain, cloud: cloud, id: id, db).first }
    }

    /// One key of a domain by its CM id.
    package func key(domain: String, cloud: CloudKey.Cloud, id: String) throws -> String? {
        try database.consistentRead { db in
            try String.fetchOne(
                db, sql: "SELECT document FROM cm_key WHERE domain = ? AND cloud = ? AND id = ?", arguments: [domain, cloud.rawValue, id])
        }
    }

    /// The keys syncs brought, most recently synced first, in one domain or every one, with their
    /// domains and how many there are: what the dashboard shows arriving.
    package func recentKeys(domain: String?, limit: Int) throws -> (total: Int, keys: [(domain: String, document: String)]) {
        let condition = domain == nil ? "" : " WHERE domain = ?"
        let arguments: StatementArguments = domain.map { [$0] } ?? []
        return try database.consistentRead { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cm_key\(condition)", arguments: arguments) ?? 0
            let keys = try Row.fetchAll(
                db, sql: "SELECT domain, document FROM cm_key\(condition) ORDER BY synced_at DESC, seq DESC LIMIT ?", arguments: arguments + [limit]
            ).map { ($0["domain"] as String, $0["document"] as String) }
            return (total, keys)
        }
    }

    /// The SQL that keeps a record whose `filter` is one of `values`, and its arguments.
    private static func condition(_ filter: KeyQuery.Filter, _ values: [String], cloud: CloudKey.Cloud) -> (String, StatementArguments) {
        let expression: String
        var values = values
        switch filter.source {
        case .id: expression = "id"
        case .cloudID: expression = "cloud_id"
        case .region: expression = "region"
        case .name: expression = "name"
        case .alias:
            expression = "name"
            values = values.map { $0.hasPrefix("alias/") ? String($0.dropFirst(6)) : $0 }
        case .arn:
            // An ARN ends in its key id: the cloud id's index finds the candidates, the
            // parameters decide (reading every key's would take a second on 100,000).
            let ids = values.map { String($0.split(separator: "/").last ?? "") }
            return (
                "cloud_id IN (\(placeholders(ids.count))) AND json_extract(document, '$.\(cloud.parametersMember).Arn') IN (\(placeholders(values.count)))",
                StatementArguments(ids + values)
            )
        case .containerName: expression = "container_name"
        case .containerID: expression = "container_id"
        case .gone: expression = "gone"
        case .parameter(let path): expression = "json_extract(document, '$.\(cloud.parametersMember).\(path)')"
        case .document(let path): expression = "json_extract(document, '$.\(path)')"
        case .constant(let value):
            return ("? IN (\(placeholders(values.count)))", StatementArguments([value] + values))
        case .version:
            let places = values.compactMap { Int($0) }
            let latest = places.contains(-1) ? ["json_extract(document, '$.version') = json_extract(document, '$.version_count') - 1"] : []
            let exact = places.filter { $0 >= 0 }
            let listed = exact.isEmpty ? [] : ["json_extract(document, '$.version') IN (\(placeholders(exact.count)))"]
            return (
                "(" + (latest + listed + (latest.isEmpty && listed.isEmpty ? ["0"] : [])).joined(separator: " OR ") + ")", StatementArguments(exact)
            )
        }
        // Booleans compare as SQLite stores them, as integers: JSON's true and a column's 1 alike.
        let arguments = filter.isBoolean ? StatementArguments(values.map { $0 == "true" ? 1 : 0 }) : StatementArguments(values)
        return ("\(expression) IN (\(placeholders(values.count)))", arguments)
    }

    private static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    private static func column(_ field: KeyQuery.SortField) -> String {
        switch field.source {
        case .createdAt: "created_at"
        case .updatedAt: "updated_at"
        case .syncedAt: "synced_at"
        case .region: "region"
        case .name: "name"
        }
    }

    // MARK: Connections and containers

    package func insertResource(domain: String, kind: ResourceKind, id: String, name: String, at time: Timestamp, document: String, _ db: Database)
        throws
    {
        if try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM cm_resource WHERE domain = ? AND kind = ? AND name = ?)", arguments: [domain, kind.rawValue, name])
            == true
        {
            throw StoreError.conflict("A resource named \(name) already exists")
        }
        try db.execute(
            sql: "INSERT INTO cm_resource (domain, kind, id, name, created_at, document) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [domain, kind.rawValue, id, name, time.nanoseconds, document])
    }

    package func deleteResource(domain: String, kind: ResourceKind, idOrName: String, _ db: Database) throws -> Bool {
        try db.execute(
            sql: "DELETE FROM cm_resource WHERE domain = ? AND kind = ? AND (id = ? OR name = ?)",
            arguments: [domain, kind.rawValue, idOrName, idOrName])
        return db.changesCount > 0
    }

    /// A resource's document by id or name.
    package func resource(domain: String, kind: ResourceKind, idOrName: String) throws -> String? {
        try database.consistentRead { db in try Self.resource(domain: domain, kind: kind, idOrName: idOrName, db) }
    }

    static func resource(domain: String, kind: ResourceKind, idOrName: String, _ db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT document FROM cm_resource WHERE domain = ? AND kind = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1",
            arguments: [domain, kind.rawValue, idOrName, idOrName, idOrName])
    }

    /// A page of a domain's resources of `kind`, newest first; `matching` keeps those whose
    /// document has every member equal (`name`, `id`, `account_id`).
    package func resources(domain: String, kind: ResourceKind, matching: [(String, [String])], skip: Int, limit: Int) throws -> (
        total: Int, documents: [String]
    ) {
        var condition = "domain = ? AND kind = ?"
        var arguments: StatementArguments = [domain, kind.rawValue]
        for (member, values) in matching {
            condition += " AND json_extract(document, '$.\(member)') IN (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))"
            arguments += StatementArguments(values)
        }
        return try database.consistentRead { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cm_resource WHERE \(condition)", arguments: arguments) ?? 0
            let documents = try String.fetchAll(
                db, sql: "SELECT document FROM cm_resource WHERE \(condition) ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
                arguments: arguments + [limit, skip])
            return (total, documents)
        }
    }

    /// Every KMS container of every domain, for the planner: name, account and regions.
    package func awsKMSContainers() throws -> [(domain: String, id: String, name: String, document: String)] {
        try database.consistentRead { db in
            try Row.fetchAll(db, sql: "SELECT domain, id, name, document FROM cm_resource WHERE kind = 'aws-kms' ORDER BY seq").map {
                ($0["domain"], $0["id"], $0["name"], $0["document"])
            }
        }
    }

    /// The CM id of the domain's KMS named `name`; one made from the name for a KMS no client created.
    package static func awsKMSID(domain: String, name: String, _ db: Database) throws -> String {
        try String.fetchOne(
            db, sql: "SELECT id FROM cm_resource WHERE domain = ? AND kind = 'aws-kms' AND name = ?", arguments: [domain, name])
            ?? AWSKMSContainer.id(forName: name)
    }

    /// The container a sync target of `cloud` names, as the fake cloud's records name it, with its
    /// CM name, id and region: a vault or key ring a client added (named by CM id or by name), or
    /// for one no client added, the target itself with an id made from it.
    package static func container(domain: String, cloud: CloudKey.Cloud, target: String, _ db: Database) throws -> (
        container: String, name: String, id: String, region: String?
    ) {
        let kind = ResourceKind.container(of: cloud)
        if let row = try Row.fetchOne(
            db,
            sql:
                "SELECT id, name, json_extract(document, '$.region') AS region FROM cm_resource WHERE domain = ? AND kind = ? AND (id = ? OR name = ?)",
            arguments: [domain, kind.rawValue, target, target])
        {
            return (row["name"], row["name"], row["id"], row["region"])
        }
        return (target, target, stableUUID(kind.rawValue, target), nil)
    }

    /// A reset's delete: a domain's inventory and resources, or everything, the fake cloud included.
    package func deleteAll(domain: String?, _ db: Database) throws {
        // Cached statements: a test fleet resets before every test.
        if let domain {
            for sql in ["DELETE FROM cm_key WHERE domain = ?", "DELETE FROM cm_resource WHERE domain = ?"] {
                try db.cachedStatement(sql: sql).execute(arguments: [domain])
            }
        } else {
            for sql in ["DELETE FROM cm_key", "DELETE FROM cm_resource", "DELETE FROM cloud_key"] { try db.cachedStatement(sql: sql).execute() }
        }
    }
}
