/// A scheduler job configuration, `operation: "cckm_synchronization"`: CM starts a synchronization
/// job of a cloud at every time its cron expression names. What `/api/v1/scheduler/job-configs`
/// stores, and what fixtures declare under `schedules`.
struct SchedulerConfig: Sendable {
    /// The members the client sent (or a fixture held), in their order: the resource shows them after
    /// its own `id`, `uri`, `account`, `createdAt` and `updatedAt`.
    var fields: [(key: String, value: JSONValue)]
    let name: String
    let runAt: CronExpression
    let startDate: Timestamp?
    let endDate: Timestamp?
    let disabled: Bool
    let family: JobFamily
    /// What a `POST` to the family's path would carry: the run starts the job exactly as that would.
    let startBody: [UInt8]

    static let operations = ["cckm_synchronization"]
    static let members = [
        "name", "operation", "run_at", "run_on", "start_date", "end_date", "disabled", "description", "cckm_synchronization_params",
    ]
    /// Other names CM's and Terraform's examples give a family's target list.
    static let targetAliases = ["oci_vaults": "vaults"]

    /// Reads a whole configuration; a 400 names the member at fault.
    init(fields: [(key: String, value: JSONValue)]) throws(APIError) {
        let document = JSONValue.object(fields)
        try document.rejectUnknownMembers(known: Self.members)
        self.fields = fields
        guard let name = try document.optionalString("name"), !name.isEmpty, name.utf8.count <= 256 else {
            throw .invalidParameter("name", "required: 1 to 256 characters")
        }
        self.name = name
        let operation = try document.optionalString("operation") ?? ""
        guard Self.operations.contains(operation) else {
            throw .invalidParameter(
                "operation", "\"\(operation)\" is not supported by the mock; supported: \(Self.operations.joined(separator: ", "))")
        }
        guard let cron = try document.optionalString("run_at") else { throw .invalidParameter("run_at", "required: a five-field cron expression") }
        do {
            runAt = try CronExpression(cron)
        } catch {
            throw .invalidParameter("run_at", "\"\(cron)\": \(error.description)")
        }
        if let runOn = try document.optionalString("run_on"), runOn != "any" {
            throw .invalidParameter("run_on", "\"\(runOn)\" is not one of any")
        }
        _ = try document.optionalString("description")
        if let flag = document["disabled"] {
            guard case .bool(let set) = flag else { throw .invalidParameter("disabled", "expected a boolean, got \(flag.typeName)") }
            disabled = set
        } else {
            disabled = false
        }
        startDate = try Self.date(document, "start_date")
        endDate = try Self.date(document, "end_date")
        if let startDate, let endDate, endDate < startDate {
            throw .invalidParameter("end_date", "\(endDate) is before start_date \(startDate)")
        }
        (family, startBody) = try Self.start(document["cckm_synchronization_params"])
    }

    private static func date(_ document: JSONValue, _ key: String) throws(APIError) -> Timestamp? {
        guard let text = try document.optionalString(key) else { return nil }
        guard let time = Timestamp(rfc3339: text) else { throw .invalidParameter(key, "\"\(text)\" is not an RFC 3339 time from 1900 to 2200") }
        return time
    }

    /// The family and the start body the params describe, checked as a start request is.
    private static func start(_ params: JSONValue?) throws(APIError) -> (JobFamily, [UInt8]) {
        let field = "cckm_synchronization_params"
        guard let params, let members = params.objectValue else { throw .invalidParameter(field, "required: an object with cloud_name and targets") }
        let cloud = try params.optionalString("cloud_name") ?? ""
        // The family table says which family each `cloud_name` runs (`schedulerCloud`).
        guard let family = JobFamily.scheduled(cloud: cloud) else {
            let clouds = JobFamily.all.compactMap(\.schedulerCloud)
            throw .invalidParameter("\(field).cloud_name", "\"\(cloud)\" is not one of \(clouds.joined(separator: ", "))")
        }
        var body: [(key: String, value: JSONValue)] = []
        let allowed = [family.bodyTargetField, "synchronize_all"] + family.extraBodyFields.keys.sorted()
        for (key, value) in members where key != "cloud_name" {
            let target = targetAliases[key] ?? key
            guard allowed.contains(target) else {
                throw .invalidParameter(
                    "\(field).\(key)", "not a parameter of cloud \(cloud) (known: cloud_name, \(allowed.joined(separator: ", ")))")
            }
            body.append((target, value))
        }
        let bytes = Array(JSONValue.object(body).jsonText.utf8)
        do {
            _ = try StartRequest.parse(body: bytes, family: family)
        } catch {
            throw .invalidParameter(field, error.message)
        }
        return (family, bytes)
    }

    /// A stored resource read back: its sent members, without the five the mock adds.
    init(document: String) throws {
        let members = try JSONParser.parse(Array(document.utf8)).objectValue ?? []
        try self.init(fields: members.filter { !Self.resourceMembers.contains($0.key) })
    }

    static let resourceMembers: Set<String> = ["id", "uri", "account", "createdAt", "updatedAt"]

    /// `PATCH`: each member given replaces its value where it stood, new ones go at the end.
    func patched(with patch: [(key: String, value: JSONValue)]) throws(APIError) -> SchedulerConfig {
        var merged = fields
        for member in patch {
            if let index = merged.firstIndex(where: { $0.key == member.key }) { merged[index].value = member.value } else { merged.append(member) }
        }
        return try SchedulerConfig(fields: merged)
    }

    /// The resource as served: CM's `id`, `uri`, `account`, times, then the members as sent.
    func document(id: String, createdAt: Timestamp, updatedAt: Timestamp) -> String {
        JSONValue.object(
            [
                ("id", .string(id)), ("uri", .string("kylo:kylo:scheduler:jobconfigs:" + id)), ("account", .string("kylo:kylo:admin:accounts:kylo")),
                ("createdAt", .string(createdAt.description)), ("updatedAt", .string(updatedAt.description)),
            ] + fields
        ).jsonText
    }

    /// The first due time after `time`, inside the configuration's dates; nil when disabled or past its end.
    func nextDue(after time: Timestamp) -> Timestamp? {
        guard !disabled else { return nil }
        let from = startDate.map { max(time, $0.adding(seconds: -1e-9)) } ?? time
        guard let due = runAt.next(after: from) else { return nil }
        if let endDate, due > endDate { return nil }
        return due
    }

    var operation: String { JSONValue.object(fields).self["operation"]?.stringValue ?? "" }
}
