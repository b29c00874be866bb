import CCKMCore
import CCKMStore
import GRDB

/// The fake cloud's keys and what clients create before a sync: each change a command, its ids
/// drawn from the planner's seeded randomness, its times from the engine's clock.
extension Engine {
    /// Puts a record into the fake cloud; its JSON as the control API shows it. An Azure name the
    /// vault already has gets a new version, as Azure's own create does.
    package func addCloudKey(_ cloud: CloudKey.Cloud, _ request: CloudKeyRequest) throws -> String {
        let now = clock.now()
        let multiRegion = cloud == .aws && request.parameters.contains { $0.key == "MultiRegion" && $0.value == .bool(true) }
        let cloudID = CloudKey.cloudID(cloud, drawn: planner.randomness.uuid(), multiRegion: multiRegion)
        let place = request.container ?? FakeAWS.regions[0]
        let container = cloud == .aws ? "\(request.account ?? FakeAWS.account)/\(place)" : place
        let key = CloudKey.fresh(cloud, cloudID: cloudID, container: container, name: request.name ?? "", overrides: request.parameters, at: now)
        let store = self.store
        try perform(Command(changesJobs: false) { db in try store.inventory.insertCloudKey(key, db) })
        return key.json
    }

    /// Changes a cloud record's alias (AWS) or parameters; nil when the cloud has no such record.
    package func changeCloudKey(_ cloud: CloudKey.Cloud, _ cloudID: String, _ request: CloudKeyRequest) throws -> String? {
        let (store, now) = (self.store, clock.now())
        let changed = try perform(
            Command(changesJobs: false) { db in
                try store.inventory.updateCloudKey(
                    cloud, cloudID,
                    { key in
                        if cloud == .aws, let alias = request.name {
                            key.name = alias
                            key.parameters = key.parameters.overlaid(by: [("Alias", .array(alias.isEmpty ? [] : [.string("alias/" + alias)]))])
                        }
                        key.parameters = key.parameters.overlaid(by: request.parameters)
                        key.updatedAt = now
                    }, db)
            })
        return changed?.json
    }

    /// Takes a record out of the fake cloud (an Azure key with every version); false when there is
    /// none. CM keeps its records until the next sync of the container marks them `gone`.
    package func deleteCloudKey(_ cloud: CloudKey.Cloud, _ cloudID: String) throws -> Bool {
        let store = self.store
        return try perform(Command(changesJobs: false) { db in try store.inventory.deleteCloudKey(cloud, cloudID, db) })
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

    /// `POST /api/v1/cckm/{azure/add-vaults, google/add-key-rings, oci/add-vaults}`: the containers
    /// into the domain, whole or not at all (409 when it has one of them); the call's answer.
    package func addContainers(_ cloud: CloudKey.Cloud, domain: String, body: [UInt8]) throws -> String {
        let randomness = planner.randomness
        let added = try CloudContainer.parseAdd(body, cloud: cloud, id: { randomness.uuid() }, at: clock.now())
        let (store, now) = (self.store, clock.now())
        try perform(
            Command(changesJobs: false) { db in
                for container in added {
                    try store.inventory.insertResource(
                        domain: domain, kind: .container(of: cloud), id: container.id, name: container.name, at: now, document: container.document,
                        db)
                }
            })
        return CloudContainer.addAnswer(added, cloud: cloud)
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
