import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// The control API's fake cloud: the keys that exist in the cloud, which CM's inventory shows only
/// after a sync of their container completes.
extension ControlHandlers {
    /// `GET /__admin/cloud`: the AWS account and regions, and every key in the cloud, oldest first.
    func cloudJSON() throws -> HTTPResponse {
        let keys = try store.inventory.cloudKeys()
        let regions = (FakeAWS.regions + (try store.inventory.awsRegions())).uniqued()
        let aws = JSONWriter.object([("account_id", .string(FakeAWS.account)), ("regions", .array(regions.map { JSONValue.string($0).jsonText }))])
        return .json(200, JSONWriter.object([("aws", .rendered(aws)), ("keys", .array(keys.map(\.json)))]))
    }

    func addCloudKey(_ body: [UInt8]) throws -> HTTPResponse {
        .json(201, try engine.addCloudKey(try CloudKeyRequest.parse(body, creating: true)))
    }

    func changeCloudKey(_ id: String, _ body: [UInt8]) throws -> HTTPResponse {
        guard let key = try engine.changeCloudKey(id, try CloudKeyRequest.parse(body, creating: false)) else {
            throw APIError.notFound("The fake AWS cloud has no key \(id)")
        }
        return .json(200, key)
    }

    func deleteCloudKey(_ id: String) throws -> HTTPResponse {
        guard try engine.deleteCloudKey(id) else { throw APIError.notFound("The fake AWS cloud has no key \(id)") }
        return HTTPResponse(status: 204)
    }
}
