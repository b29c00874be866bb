import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// The control API's fake cloud: the keys that exist in the cloud, which CM's inventory shows only
/// after a sync of their container completes.
extension ControlHandlers {
    /// `GET /__admin/cloud`: the AWS account and regions, and every record in the cloud (each with
    /// its `cloud`), oldest first.
    func cloudJSON() throws -> HTTPResponse {
        let keys = try store.inventory.cloudKeys()
        let regions = try store.inventory.awsRegions()
        let aws = JSONWriter.object([("account_id", .string(FakeAWS.account)), ("regions", .array(regions.map { JSONValue.string($0).jsonText }))])
        return .json(200, JSONWriter.object([("aws", .rendered(aws)), ("keys", .array(keys.map(\.json)))]))
    }

    func addCloudKey(_ cloud: CloudKey.Cloud, _ body: [UInt8]) throws -> HTTPResponse {
        .json(201, try engine.addCloudKey(cloud, try CloudKeyRequest.parse(body, cloud: cloud, creating: true)))
    }

    func changeCloudKey(_ cloud: CloudKey.Cloud, _ id: String, _ body: [UInt8]) throws -> HTTPResponse {
        guard let key = try engine.changeCloudKey(cloud, id, try CloudKeyRequest.parse(body, cloud: cloud, creating: false)) else {
            throw Self.noSuchKey(cloud, id)
        }
        return .json(200, key)
    }

    func deleteCloudKey(_ cloud: CloudKey.Cloud, _ id: String) throws -> HTTPResponse {
        guard try engine.deleteCloudKey(cloud, id) else { throw Self.noSuchKey(cloud, id) }
        return HTTPResponse(status: 204)
    }

    private static func noSuchKey(_ cloud: CloudKey.Cloud, _ id: String) -> APIError {
        APIError.notFound(
            "The fake \(cloud.label) cloud has no \(cloud.path.split(separator: "/").last!.dropLast()) \(id); GET /__admin/cloud lists them")
    }

    /// `GET /__admin/keys`: the keys syncs brought into CM, most recently synced first, each with
    /// its domain: `{"total", "keys": [{"domain", "key"}]}`.
    func inventoryKeys(_ query: QueryValues) throws -> HTTPResponse {
        let limit = try query.number("limit", in: 0...10_000) ?? 10
        let found = try store.inventory.recentKeys(domain: query["domain"], limit: limit)
        let keys = found.keys.map { JSONWriter.object([("domain", .string($0.domain)), ("key", .rendered($0.document))]) }
        return .json(200, JSONWriter.object([("total", .number(found.total)), ("keys", .array(keys))]))
    }
}
