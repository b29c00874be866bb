import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// CCKM's job paths: lists and jobs (cached while their family's jobs in the domain stay), starts
/// and cancels through the engine.
package final class JobHandlers: Sendable {
    let store: StoreReader
    let engine: Engine
    let cache: ResponseCache
    let replies: Replies

    package init(store: StoreReader, engine: Engine, cache: ResponseCache, replies: Replies) {
        self.store = store
        self.engine = engine
        self.cache = cache
        self.replies = replies
    }

    /// `POST B`: the body checked here, the job planned and stored by the engine, answered 201 once on disk.
    func start(_ call: Call) throws -> HTTPReply {
        let (engine, family, domain) = (self.engine, call.family!, call.domain)
        let request = try StartRequest.parse(body: call.body, family: family)
        return replies.later(call, status: 201) { finish in
            // Planned now, stored with the next batch.
            do {
                engine.submit(try engine.startCommand(family: family, domain: domain, request: request), finish: finish)
            } catch {
                finish(.failure(error))
            }
        }
    }

    /// `POST B/{id}/cancel`.
    func cancel(_ call: Call) -> HTTPReply {
        let (engine, family, domain, id) = (self.engine, call.family!, call.domain, call.id.lowercased())
        return replies.later(call, status: 200) { finish in
            engine.submit(engine.cancelCommand(family: family, domain: domain, id: id), finish: finish)
        }
    }

    /// A `GET` of a CCKM path, from the response cache while no write changed the jobs of its
    /// family in its domain.
    func cached(_ call: Call, _ read: () throws -> HTTPResponse) throws -> HTTPReply {
        let (generations, family, domain) = (store.generations, call.family!, call.domain)
        return .now(
            try cache.response(
                for: Self.cacheKey(domain: domain, request: call.request), generation: { generations.current(family: family, domain: domain) },
                build: read))
    }

    /// A job, as `GET` asks.
    func job(_ call: Call) throws -> HTTPResponse {
        guard let document = try store.document(family: call.family!, domain: call.domain, id: call.id.lowercased()) else {
            throw APIError.notFound()
        }
        return .json(200, document)
    }

    /// Domain, path and the query exactly as sent.
    /// Each part length-prefixed: a separator could be inside a decoded value (`?kms=kms%00limit=1`
    /// and `?kms=kms&limit=1` shared a key when parts were joined with NUL), a length cannot.
    static func cacheKey(domain: String, request: HTTPRequest) -> String {
        var key = "\(domain.utf8.count):" + domain + "\(request.path.utf8.count):" + request.path
        for item in request.query {
            key += "\(item.name.utf8.count):" + item.name
            key += item.value.map { "\($0.utf8.count):" + $0 } ?? "-"
        }
        return key
    }

    /// `{"skip","limit","total","resources":[…]}`, the documents copied from the store's rows into
    /// the body once.
    func list(_ call: Call) throws -> HTTPResponse {
        let query = try ListQuery.parse(call.request.query, family: call.family!)
        var documents: [UInt8] = []
        documents.reserveCapacity(max(0, min(query.limit, 100)) * 800)
        let total = try store.listBytes(family: call.family!, domain: call.domain, query: query, into: &documents)
        var body: [UInt8] = []
        body.reserveCapacity(documents.count + 80)
        body.append(contentsOf: #"{"skip":"#.utf8)
        body.append(contentsOf: String(query.skip).utf8)
        body.append(contentsOf: #","limit":"#.utf8)
        body.append(contentsOf: String(query.limit).utf8)
        body.append(contentsOf: #","total":"#.utf8)
        body.append(contentsOf: String(total).utf8)
        body.append(contentsOf: #","resources":["#.utf8)
        body.append(contentsOf: documents)
        body.append(contentsOf: "]}".utf8)
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body)
    }

    /// `{"skip","limit","total","resources":[…]}` around already-rendered resources.
    static func listEnvelope(query: ListQuery, total: Int, resources: [String]) -> String {
        listEnvelope(skip: query.skip, limit: query.limit, total: total, resources: resources)
    }

    static func listEnvelope(skip: Int, limit: Int, total: Int, resources: [String]) -> String {
        JSONWriter.object([("skip", .number(skip)), ("limit", .number(limit)), ("total", .number(total)), ("resources", .array(resources))])
    }
}
