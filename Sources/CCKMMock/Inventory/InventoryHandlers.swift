import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// CM's inventory around a sync: the keys (and Azure secrets and certificates) completed syncs
/// brought, what clients create before one (AWS connections, account details and KMS containers;
/// Azure vaults, Google key rings, OCI vaults), and the collections the mock keeps nothing in,
/// which answer an empty list as a fresh CM does.
package final class InventoryHandlers: Sendable {
    let store: StoreReader
    let engine: Engine

    package init(store: StoreReader, engine: Engine) {
        self.store = store
        self.engine = engine
    }

    /// `GET /api/v1/cckm/<cloud>/keys` (and Azure's secrets and certificates): a page of the
    /// domain's records matching every filter given.
    func keys(_ call: Call, cloud: CloudKey.Cloud) throws -> HTTPResponse {
        let query = try KeyQuery.parse(call.request.query, cloud: cloud)
        let page = try store.inventory.keys(domain: call.domain, cloud: cloud, query: query)
        return .json(200, Self.list(skip: query.skip, limit: query.limit, total: page.total, resources: page.documents))
    }

    /// `GET /api/v1/cckm/<cloud>/keys/{id}`.
    func key(_ call: Call, cloud: CloudKey.Cloud) throws -> HTTPResponse {
        guard let document = try store.inventory.key(domain: call.domain, cloud: cloud, id: call.id.lowercased()) else { throw APIError.notFound() }
        return .json(200, document)
    }

    /// `GET /api/v1/cckm/oci/keys/{id}/versions`: the key's versions (the fake cloud keeps one).
    func ociKeyVersions(_ call: Call) throws -> HTTPResponse {
        guard let record = try store.inventory.record(domain: call.domain, cloud: .oci, id: call.id.lowercased()) else {
            throw APIError.notFound()
        }
        let (skip, limit) = try Self.paging(call.request.query)
        let versions = record.ociVersions
        let page = Array(versions.dropFirst(skip).prefix(limit < 0 ? versions.count : limit))
        return .json(200, Self.list(skip: skip, limit: limit, total: versions.count, resources: page))
    }

    /// `POST /api/v1/cckm/{azure/add-vaults, google/add-key-rings, oci/add-vaults}`.
    func addContainers(_ call: Call, cloud: CloudKey.Cloud) throws -> HTTPResponse {
        .json(201, try engine.addContainers(cloud, domain: call.domain, body: call.body))
    }

    /// The containers clients added: Azure vaults, Google key rings, OCI vaults; `filters` maps a
    /// query parameter to the document member it compares.
    func containers(_ call: Call, kind: InventoryTable.ResourceKind, filters: [(String, String)]) throws -> HTTPResponse {
        try resources(call, kind: kind, filters: filters)
    }

    func container(_ call: Call, kind: InventoryTable.ResourceKind) throws -> HTTPResponse {
        guard let document = try store.inventory.resource(domain: call.domain, kind: kind, idOrName: call.id) else { throw APIError.notFound() }
        return .json(200, document)
    }

    func createConnection(_ call: Call) throws -> HTTPResponse {
        .json(201, try engine.createAWSConnection(domain: call.domain, body: call.body))
    }

    func connections(_ call: Call) throws -> HTTPResponse {
        try resources(call, kind: .awsConnection, filters: [("name", "name"), ("id", "id")])
    }

    func connection(_ call: Call) throws -> HTTPResponse {
        guard let document = try store.inventory.resource(domain: call.domain, kind: .awsConnection, idOrName: call.id) else {
            throw APIError.notFound()
        }
        return .json(200, document)
    }

    func createKMS(_ call: Call) throws -> HTTPResponse {
        .json(201, try engine.createAWSKMS(domain: call.domain, body: call.body))
    }

    func kmsList(_ call: Call) throws -> HTTPResponse {
        try resources(call, kind: .awsKMS, filters: [("name", "name"), ("id", "id"), ("account_id", "account_id")])
    }

    /// A KMS by id or by name, as Ansible's `kms_id: aws-production` asks.
    func kms(_ call: Call) throws -> HTTPResponse {
        guard let document = try store.inventory.resource(domain: call.domain, kind: .awsKMS, idOrName: call.id) else { throw APIError.notFound() }
        return .json(200, document)
    }

    func delete(_ call: Call, kind: InventoryTable.ResourceKind) throws -> HTTPResponse {
        guard try engine.deleteResource(domain: call.domain, kind: kind, idOrName: call.id) else { throw APIError.notFound() }
        return HTTPResponse(status: 204)
    }

    /// `POST /api/v1/cckm/aws/accounts`: the fake cloud's account for a connection the domain has,
    /// and its regions (every region a cloud key lives in, and at least five).
    func accountDetails(_ call: Call) throws -> HTTPResponse {
        let fields = JSONValue.object(try InputError.objectMembers(of: call.body))
        try fields.rejectUnknownMembers(known: ["connection", "assume_role_arn", "assume_role_external_id"])
        for member in ["assume_role_arn", "assume_role_external_id"] { _ = try fields.optionalString(member) }
        guard let name = try fields.optionalString("connection"), !name.isEmpty else {
            throw APIError.invalidParameter("connection", "the name or id of an AWS connection is required")
        }
        guard try store.inventory.resource(domain: call.domain, kind: .awsConnection, idOrName: name) != nil else {
            throw APIError.notFound("No AWS connection \(name); create it with POST /api/v1/connectionmgmt/services/aws/connections")
        }
        let regions = try store.inventory.awsRegions()
        return .json(
            200,
            JSONWriter.object([
                ("account_id", .string(FakeAWS.account)), ("regions", .array(regions.map { JSONValue.string($0).jsonText })),
            ]))
    }

    /// A collection the mock keeps nothing in yet: CM's answer on a fresh manager.
    static func emptyList(_ call: Call) throws -> HTTPResponse {
        let (skip, limit) = try paging(call.request.query)
        return .json(200, list(skip: skip, limit: limit, total: 0, resources: []))
    }

    private func resources(_ call: Call, kind: InventoryTable.ResourceKind, filters: [(query: String, member: String)]) throws -> HTTPResponse {
        let (skip, limit) = try Self.paging(call.request.query)
        var matching: [(String, [String])] = []
        for (name, member) in filters {
            let values = call.request.query.filter { $0.name == name }.compactMap(\.value).filter { !$0.isEmpty }
            if !values.isEmpty { matching.append((member, values)) }
        }
        let page = try store.inventory.resources(domain: call.domain, kind: kind, matching: matching, skip: skip, limit: limit)
        return .json(200, Self.list(skip: skip, limit: limit, total: page.total, resources: page.documents))
    }

    static func paging(_ items: [QueryItem]) throws(InputError) -> (skip: Int, limit: Int) {
        let query = try KeyQuery.parse(items.filter { $0.name == "skip" || $0.name == "limit" })
        return (query.skip, query.limit)
    }

    static func list(skip: Int, limit: Int, total: Int, resources: [String]) -> String {
        JSONWriter.object([("skip", .number(skip)), ("limit", .number(limit)), ("total", .number(total)), ("resources", .array(resources))])
    }
}
