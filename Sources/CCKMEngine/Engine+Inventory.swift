import CCKMCore
import CCKMStore
import GRDB

/// The fake cloud's keys and what clients create before a sync: each change a command, its ids
/// drawn from the planner's seeded randomness, its times from the engine's clock.
extension Engine {
    /// Puts a key into the fake AWS cloud; its JSON as the control API shows it.
    package func addCloudKey(_ request: CloudKeyRequest) throws -> String {
        let now = clock.now()
        let drawn = planner.randomness.uuid()
        let multiRegion = request.parameters.first { $0.key == "MultiRegion" }?.value == .bool(true)
        let keyID = multiRegion ? "mrk-" + drawn.filter { $0 != "-" } : drawn
        let account = request.account ?? FakeAWS.account
        let region = request.region ?? FakeAWS.regions[0]
        let alias = request.alias ?? ""
        let key = CloudKey(
            cloud: .aws, container: "\(account)/\(region)", cloudID: keyID, name: alias,
            parameters: FakeAWS.parameters(
                keyID: keyID, account: account, region: region, alias: alias, createdAt: now, overrides: request.parameters),
            createdAt: now, updatedAt: now)
        let store = self.store
        try perform(Command(changesJobs: false) { db in try store.inventory.insertCloudKey(key, db) })
        return key.json
    }

    /// Changes a cloud key's alias or parameters; nil when the cloud has no such key.
    package func changeCloudKey(_ cloudID: String, _ request: CloudKeyRequest) throws -> String? {
        let (store, now) = (self.store, clock.now())
        let changed = try perform(
            Command(changesJobs: false) { db in
                try store.inventory.updateCloudKey(
                    .aws, cloudID,
                    { key in
                        if let alias = request.alias {
                            key.name = alias
                            key.parameters = key.parameters.map {
                                $0.key == "Alias" ? ($0.key, .array(alias.isEmpty ? [] : [.string("alias/" + alias)])) : $0
                            }
                        }
                        for (name, value) in request.parameters {
                            if let index = key.parameters.firstIndex(where: { $0.key == name }) {
                                key.parameters[index].value = value
                            } else {
                                key.parameters.append((name, value))
                            }
                        }
                        key.updatedAt = now
                    }, db)
            })
        return changed?.json
    }

    /// Takes a key out of the fake cloud; false when there is none. CM keeps its record until
    /// the next sync of the key's container marks it `gone`.
    package func deleteCloudKey(_ cloudID: String) throws -> Bool {
        let store = self.store
        return try perform(Command(changesJobs: false) { db in try store.inventory.deleteCloudKey(.aws, cloudID, db) })
    }

    /// `POST /api/v1/connectionmgmt/services/aws/connections`; the connection's document.
    package func createAWSConnection(domain: String, body: [UInt8]) throws -> String {
        let connection = try AWSConnection.parse(body, id: planner.randomness.uuid(), at: clock.now())
        let store = self.store
        try perform(
            Command(changesJobs: false) { db in
                try store.inventory.insertResource(
                    domain: domain, kind: .awsConnection, id: connection.id, name: connection.name, at: connection.createdAt,
                    document: connection.document, db)
            })
        return connection.document
    }

    /// `POST /api/v1/cckm/aws/kms`: a KMS container on a connection the domain has (404 otherwise);
    /// a start may name it from then on.
    package func createAWSKMS(domain: String, body: [UInt8]) throws -> String {
        var kms = try AWSKMSContainer.parse(body, id: planner.randomness.uuid(), at: clock.now())
        guard let connection = try store.inventory.resource(domain: domain, kind: .awsConnection, idOrName: kms.connection) else {
            throw InputError.notFound("No AWS connection \(kms.connection); create it with POST /api/v1/connectionmgmt/services/aws/connections")
        }
        kms.connection = (try? JSONParser.parse(Array(connection.utf8)))?["name"]?.stringValue ?? kms.connection
        let (store, created) = (self.store, kms)
        try perform(
            Command(changesJobs: false) { db in
                try store.inventory.insertResource(
                    domain: domain, kind: .awsKMS, id: created.id, name: created.name, at: created.createdAt, document: created.document, db)
            })
        try addStoredKMSToRules()
        return kms.document
    }

    /// Deletes a connection or a KMS container by id or name; false when the domain has none.
    package func deleteResource(domain: String, kind: InventoryTable.ResourceKind, idOrName: String) throws -> Bool {
        let store = self.store
        return try perform(
            Command(changesJobs: false) { db in try store.inventory.deleteResource(domain: domain, kind: kind, idOrName: idOrName, db) })
    }

    /// The KMS containers clients created, added to the planner's inventory: a start names one by
    /// name and its targets are its account's regions.
    package func addStoredKMSToRules() throws {
        var rules = planner.currentRules
        for stored in try store.inventory.awsKMSContainers() {
            guard let document = try? JSONParser.parse(Array(stored.document.utf8)) else { continue }
            let kms = Inventory.AWSKMS(
                name: stored.name, account: document["account_id"]?.stringValue ?? FakeAWS.account,
                regions: document["regions"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            rules.inventory.awsKMS.removeAll { $0.name == kms.name }
            rules.inventory.awsKMS.append(kms)
        }
        planner.setRules(rules)
    }
}
