import CCKMCore
import CCKMEngine
import CCKMStore
import HTTPServer

/// The control API's jobs across families: listing, completing or failing, and waiting.
extension ControlHandlers {
    func listJobs(_ items: [QueryItem], _ query: QueryValues) throws -> HTTPResponse {
        let listQuery = try ListQuery.parse(items, targetParameter: "target")
        let family = try query["family"].map { name throws(InputError) in
            guard let family = JobFamily.named(name) else { throw .invalidParameter("family", JobFamily.unknown(name)) }
            return family
        }
        let page = try store.listAcross(family: family, domain: query["domain"], query: listQuery)
        return .json(200, JobHandlers.listEnvelope(query: listQuery, total: page.total, resources: try resources(page.jobs)))
    }

    /// One job as `GET /__admin/jobs` lists it, found by id across families unless `?family=` narrows it.
    func job(id: String, query: QueryValues) throws -> HTTPResponse {
        let family = try locate(id, query)
        let byID = try ListQuery.parse([QueryItem(name: "id", value: id.lowercased())], targetParameter: "target")
        guard let resource = try resources(store.listAcross(family: family, domain: nil, query: byID).jobs).first else {
            throw APIError.notFound()
        }
        return .json(200, resource)
    }

    /// Jobs as the control API shows them: `{"family", "domain", "job"}`, and `"schedule"`, the
    /// scheduler job configuration whose run started the job, when one did.
    private func resources(_ jobs: [StoreReader.ListedJob]) throws -> [String] {
        let started = jobs.compactMap { job in Self.jobID(of: job.document).map { (family: job.family, id: $0) } }
        let scheduled = try store.scheduler.schedulerConfigIDs(startedJobs: started)
        return jobs.map { job in
            var writer = JSONWriter()
            writer.raw("{")
            writer.key("family", first: true)
            writer.string(job.family)
            writer.key("domain")
            writer.string(job.domain)
            writer.key("job")
            writer.raw(job.document)
            if let config = Self.jobID(of: job.document).flatMap({ scheduled[JobKey(family: job.family, id: $0)] }) {
                writer.key("schedule")
                writer.string(config)
            }
            writer.raw("}")
            return writer.text
        }
    }

    /// A rendered job's id: its first member, as every job renders it (`{"id":"…",`).
    static func jobID(of document: String) -> String? {
        guard document.hasPrefix(#"{"id":""#) else { return nil }
        return String(document.dropFirst(7).prefix(36))
    }

    /// The one job with this id, across families unless `?family=` narrows it.
    func locate(_ id: String, _ query: QueryValues) throws -> JobFamily {
        if let name = query["family"] {
            guard let family = JobFamily.named(name) else { throw APIError.invalidParameter("family", JobFamily.unknown(name)) }
            return family
        }
        let families = try store.families(holding: id.lowercased())
        guard let family = families.first else { throw APIError.notFound("No job \(id) in any family; GET /__admin/jobs lists the jobs there are") }
        guard families.count == 1 else {
            throw APIError.conflict("Job \(id) exists in families \(families.map(\.name).joined(separator: ", ")); add ?family=")
        }
        return family
    }

    func force(id: String, query: QueryValues, body: [UInt8], fail: Bool) throws -> HTTPResponse {
        let family = try locate(id, query)
        var target: String?
        var message: String?
        if !body.isEmpty {
            guard let document = try? JSONParser.parse(body), document.objectValue != nil else {
                throw APIError.badRequest(#"Request body must be empty or a JSON object such as {"target": "…", "message": "…"}"#)
            }
            try document.rejectUnknownMembers(known: ["target", "message"])
            target = try document.optionalString("target")
            message = try document.optionalString("message")
        }
        _ = try engine.force(family: family, id: id.lowercased(), target: target, fail: fail, message: message)
        guard let domain = try store.domain(family: family, id: id.lowercased()),
            let document = try store.document(family: family, domain: domain, id: id.lowercased())
        else { throw APIError.notFound() }
        return .json(200, document)
    }

    /// What a 408 adds: on the manual clock nothing moves a job unless the test does.
    private var waitHint: String {
        engine.clock.isManual
            ? #"; the clock is manual and moves only when told: POST /__admin/clock/advance {"seconds": N} (the kits' advance) or POST /__admin/jobs/settle, before or while waiting"#
            : "; on the system clock at time scale \(jsonNumber(engine.settings.timeScale)) its targets take --target-duration each"
    }

    /// Answers when the job reaches `status` (default: any final status), or 408 after `timeout`.
    func wait(id: String, query: QueryValues, _ context: RequestContext) throws -> HTTPReply {
        let family = try locate(id, query)
        let wanted = query["status"] ?? "done"
        let accepts: @Sendable (JobStatus) -> Bool
        if wanted == "done" {
            accepts = { $0 != .inProgress }
        } else if let status = JobStatus(lenient: wanted) {
            accepts = { $0 == status }
        } else {
            throw APIError.invalidParameter("status", "\"\(wanted)\" is not one of in_progress, completed, failed, done")
        }
        let timeout = try Self.duration(query["timeout"] ?? "30s")
        let jobID = id.lowercased()
        guard let (domain, document, status) = try store.lookUp(family: family, id: jobID) else { throw APIError.notFound() }
        if let status, accepts(status) { return .now(.json(200, document)) }
        let timedOut = replies.response(
            for: APIError(
                status: 408, code: 15, name: "NCERRRequestTimeout", description: "Request timeout",
                message: "Job \(id) did not reach \(wanted) within \(query["timeout"] ?? "30s")" + waitHint), context)
        let waiters = waiters
        return .later { deliver in
            let waiter = JobWaiters.Waiter(
                family: family, domain: domain, id: jobID, accepts: accepts, deliver: deliver,
                gone: self.replies.response(for: .notFound("Job \(id) was removed while waited on (a reset, a fixture load or a restore)"), context))
            let ticket = waiters.add(waiter)
            // A change between the check above and the parking is caught here.
            waiters.check(jobs: [waiter.key], store: self.store)
            Task {
                try? await Task.sleep(for: timeout)
                waiters.expire(ticket, of: waiter.key, with: timedOut)
            }
        }
    }

    /// `250ms`, `10s`, `2m`, or plain seconds; at most 5 minutes.
    static func duration(_ text: String) throws(InputError) -> Duration {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var number = text
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = String(text.dropLast(suffix.count))
            scale = factor
            break
        }
        guard let value = Double(number), value >= 0, value * scale <= 300 else {
            throw .invalidParameter("timeout", "\"\(text)\" is not a duration such as 500ms, 10s or 2m, at most 5m")
        }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }
}
