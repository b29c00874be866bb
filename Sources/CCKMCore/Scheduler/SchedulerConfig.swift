/// A scheduler job configuration: CM runs its operation at every time its cron expression names.
/// What `/api/v1/scheduler/job-configs` stores, and what fixtures declare under `schedules`.
///
/// Clients spell "not set" three ways, and all three mean it (Thales' Terraform provider sends every
/// key of its Go structs): a member left out, `null`, and `""`; a date also as Go's zero time
/// `0001-01-01T00:00:00Z`. A block of another operation's parameters is ignored when `null`.
package struct SchedulerConfig: Sendable {
    package var name: String
    package var description: String
    package let operation: SchedulerOperation
    package var runAt: CronExpression
    /// `any`, the one node a mock has.
    package var runOn: String
    package var disabled: Bool
    package var startDate: Timestamp?
    package var endDate: Timestamp?
    /// The operation's parameters as sent (`null` members left out), shown under `job_config_params`.
    package private(set) var params: [(key: String, value: JSONValue)]
    /// For `cckm_synchronization`: the family it runs and what a `POST` to the family's path would
    /// carry; the run starts the job exactly as that would.
    package private(set) var synchronization: (family: JobFamily, startBody: [UInt8])?

    package static let members = ["name", "operation", "run_at", "run_on", "start_date", "end_date", "disabled", "description", "job_config_params"]
    package static let knownMembers = members + SchedulerOperation.all.map(\.paramsField)
    /// What the mock adds to a stored resource; read back, they are skipped.
    package static let resourceMembers: Set<String> = ["id", "uri", "account", "application", "devAccount", "createdAt", "updatedAt"]
    /// Other names CM's and Terraform's examples give a family's target list.
    package static let targetAliases = ["oci_vaults": "vaults"]

    /// Reads a whole configuration (a create, a fixture's, or a stored resource); a 400 names the
    /// member at fault.
    package init(fields: [(key: String, value: JSONValue)]) throws(InputError) {
        let document = JSONValue.object(fields.filter { !Self.resourceMembers.contains($0.key) })
        try document.rejectUnknownMembers(known: Self.knownMembers)
        guard let name = try Self.setString(document, "name") else { throw .invalidParameter("name", "required: 1 to 256 characters") }
        let operationName = try Self.setString(document, "operation") ?? ""
        guard let operation = SchedulerOperation.named(operationName) else {
            throw .invalidParameter(
                "operation", "\"\(operationName)\" is not one of \(SchedulerOperation.all.map(\.name).joined(separator: ", "))")
        }
        guard let cron = try Self.setString(document, "run_at") else {
            throw .invalidParameter("run_at", "required: a five-field cron expression")
        }
        self.operation = operation
        self.name = ""
        self.description = ""
        self.runAt = try Self.cron(cron)
        self.runOn = "any"
        self.disabled = false
        self.params = []
        try apply(document, patching: false)
        self.name = try Self.checkedName(name)
        if params.isEmpty, synchronization == nil { try setParams(nil, patching: false) }
    }

    /// A stored resource read back.
    package init(document: String) throws {
        try self.init(fields: try JSONParser.parse(Array(document.utf8)).objectValue ?? [])
    }

    /// `PATCH`: the members given change; `""` for `name`, `operation`, `run_at`, `run_on` and the
    /// params' `cloud_name` (and `null` for any member, Go's zero time for a date) leaves a value as
    /// it was; `""` for a date or `description` clears it. A params block replaces the targets and
    /// `synchronize_all`. `operation` and `cloud_name` cannot change.
    package func patched(with patch: [(key: String, value: JSONValue)]) throws(InputError) -> SchedulerConfig {
        let document = JSONValue.object(patch)
        try document.rejectUnknownMembers(known: Self.knownMembers)
        if let operationName = try Self.setString(document, "operation"), operationName != operation.name {
            throw .invalidParameter("operation", "cannot change from \(operation.name) to \"\(operationName)\"; create a new configuration")
        }
        var changed = self
        try changed.apply(document, patching: true)
        if let newName = try Self.setString(document, "name") { changed.name = try Self.checkedName(newName) }
        return changed
    }

    /// The members every create and `PATCH` may carry besides `name` and `operation`.
    private mutating func apply(_ document: JSONValue, patching: Bool) throws(InputError) {
        if let cron = try Self.setString(document, "run_at") { runAt = try Self.cron(cron) }
        if let node = try Self.setString(document, "run_on") {
            guard node == "any" else { throw .invalidParameter("run_on", "\"\(node)\" is not one of any (the mock is one node)") }
            runOn = node
        }
        if let text = document["description"], text != .null {
            guard let text = text.stringValue else { throw .invalidParameter("description", "expected a string, got \(text.typeName)") }
            description = text
        }
        if let flag = document["disabled"], flag != .null {
            guard case .bool(let set) = flag else { throw .invalidParameter("disabled", "expected a boolean, got \(flag.typeName)") }
            disabled = set
        }
        try Self.date(document, "start_date").apply(to: &startDate)
        try Self.date(document, "end_date").apply(to: &endDate)
        if let startDate, let endDate, endDate < startDate {
            throw .invalidParameter("end_date", "\(endDate) is before start_date \(startDate)")
        }
        var block: (field: String, value: JSONValue)?
        for other in SchedulerOperation.all {
            guard let value = document[other.paramsField], value != .null else { continue }
            guard other == operation else {
                throw .invalidParameter(
                    other.paramsField, "parameters of operation \(other.name); this configuration's operation is \(operation.name)")
            }
            block = (other.paramsField, value)
        }
        if let value = document["job_config_params"], value != .null {
            guard block == nil else { throw .invalidParameter("job_config_params", "give the parameters once (also sent as \(block?.field ?? ""))") }
            block = ("job_config_params", value)
        }
        if let block { try setParams(block, patching: patching) }
    }

    /// Takes a params block: checked as the operation's, `null` members dropped, and for a `PATCH`
    /// the stored `cloud_name` kept.
    private mutating func setParams(_ block: (field: String, value: JSONValue)?, patching: Bool) throws(InputError) {
        let field = block?.field ?? operation.paramsField
        guard let members = (block?.value ?? .object([])).objectValue else {
            throw .invalidParameter(field, "expected an object, got \(block?.value.typeName ?? "")")
        }
        var given = members.filter { $0.value != .null }
        let oldCloud = params.first { $0.key == "cloud_name" }?.value.stringValue
        if let cloud = given.first(where: { $0.key == "cloud_name" })?.value, cloud.stringValue == "" || (patching && cloud.stringValue == oldCloud) {
            given.removeAll { $0.key == "cloud_name" }
        }
        if patching, let oldCloud {
            if let cloud = given.first(where: { $0.key == "cloud_name" })?.value {
                throw .invalidParameter("\(field).cloud_name", "cannot change from \(oldCloud) to \(cloud.jsonText); create a new configuration")
            }
            given.insert(("cloud_name", .string(oldCloud)), at: 0)
        }
        if operation.startsSynchronization {
            synchronization = try Self.start(given, field: field)
        } else {
            try Self.check(given, of: operation, field: field)
        }
        params = given
    }

    private static func checkedName(_ name: String) throws(InputError) -> String {
        guard name.utf8.count <= 256 else { throw .invalidParameter("name", "required: 1 to 256 characters") }
        return name
    }

    private static func cron(_ text: String) throws(InputError) -> CronExpression {
        do {
            return try CronExpression(text)
        } catch {
            throw .invalidParameter("run_at", "\"\(text)\": \(error.description)")
        }
    }

    /// A string member that is set: nil when absent, `null` or `""`; a 400 for another type.
    private static func setString(_ document: JSONValue, _ key: String) throws(InputError) -> String? {
        guard let value = document[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw .invalidParameter(key, "expected a string, got \(value.typeName)") }
        return text.isEmpty ? nil : text
    }

    /// What a date member asks for.
    private enum DateChange {
        /// Absent, `null`, or Go's zero time: the date stays as it is (unset on a create).
        case keep
        /// `""`: no date.
        case clear
        case set(Timestamp)

        package func apply(to date: inout Timestamp?) {
            switch self {
            case .keep: break
            case .clear: date = nil
            case .set(let time): date = time
            }
        }
    }

    private static func date(_ document: JSONValue, _ key: String) throws(InputError) -> DateChange {
        guard let value = document[key], value != .null else { return .keep }
        guard let text = value.stringValue else { throw .invalidParameter(key, "expected an RFC 3339 time, got \(value.typeName)") }
        if text.isEmpty { return .clear }
        if text.hasPrefix("0001-01-01T00:00:00") { return .keep }
        guard let time = Timestamp(rfc3339: text) else { throw .invalidParameter(key, "\"\(text)\" is not an RFC 3339 time from 1900 to 2200") }
        return .set(time)
    }

    /// The family and the start body `cckm_synchronization` params describe, checked as a start request is.
    private static func start(_ members: [(key: String, value: JSONValue)], field: String) throws(InputError) -> (JobFamily, [UInt8]) {
        let cloud = members.first { $0.key == "cloud_name" }?.value
        // The family table says which family each `cloud_name` runs (`schedulerCloud`).
        guard let family = cloud?.stringValue.flatMap(JobFamily.scheduled(cloud:)) else {
            let clouds = JobFamily.all.compactMap(\.schedulerCloud)
            throw .invalidParameter("\(field).cloud_name", "\(cloud?.jsonText ?? "nothing") is not one of \(clouds.joined(separator: ", "))")
        }
        var body: [(key: String, value: JSONValue)] = []
        let allowed = [family.bodyTargetField, "synchronize_all"] + family.extraBodyFields.keys.sorted()
        for (key, value) in members where key != "cloud_name" {
            let target = targetAliases[key] ?? key
            guard allowed.contains(target) else {
                throw .invalidParameter(
                    "\(field).\(key)",
                    "not a parameter of cloud \(family.schedulerCloud ?? "") (known: cloud_name, \(allowed.joined(separator: ", ")))")
            }
            body.append((target, value))
        }
        let bytes = Array(JSONValue.object(body).jsonText.utf8)
        do {
            _ = try StartRequest.parse(body: bytes, family: family)
        } catch {
            throw .invalidParameter(field, error.description)
        }
        return (family, bytes)
    }

    /// Another operation's params: known names of the right JSON types, the required ones given.
    private static func check(_ members: [(key: String, value: JSONValue)], of operation: SchedulerOperation, field: String) throws(InputError) {
        for (key, value) in members {
            guard let expected = operation.parameters.first(where: { $0.name == key })?.type else {
                throw .invalidParameter(
                    "\(field).\(key)", "not a parameter of \(operation.name) (known: \(operation.parameters.map(\.name).joined(separator: ", ")))")
            }
            guard value.typeName == expected else { throw .invalidParameter("\(field).\(key)", "expected \(expected), got \(value.typeName)") }
        }
        for key in operation.required where !members.contains(where: { $0.key == key }) {
            throw .invalidParameter("\(field).\(key)", "required")
        }
    }

    /// The family a run starts a job of, if it starts one.
    package var family: JobFamily? { synchronization?.family }

    /// The resource as served: CM's `id`, `uri`, accounts and times, then the members, dates only
    /// when set, and the operation's parameters under `job_config_params`.
    package func document(id: String, createdAt: Timestamp, updatedAt: Timestamp) -> String {
        var members: [(key: String, value: JSONValue)] =
            SchedulerConfig.resource(id: id, kind: "jobconfigs", createdAt: createdAt, updatedAt: updatedAt) + [
                ("name", .string(name)), ("description", .string(description)), ("operation", .string(operation.name)),
                ("run_on", .string(runOn)), ("run_at", .string(runAt.text)), ("disabled", .bool(disabled)),
            ]
        if let startDate { members.append(("start_date", .string(startDate.shortRFC3339))) }
        if let endDate { members.append(("end_date", .string(endDate.shortRFC3339))) }
        members.append(("job_config_params", .object(params)))
        return JSONValue.object(members).jsonText
    }

    /// The members every scheduler resource starts with: `id`, `uri`, CM's accounts, times.
    package static func resource(id: String, kind: String, createdAt: Timestamp, updatedAt: Timestamp) -> [(key: String, value: JSONValue)] {
        [
            ("id", .string(id)), ("uri", .string("kylo:kylo:scheduler:\(kind):" + id)), ("account", .string("kylo:kylo:admin:accounts:kylo")),
            ("application", .string("ncryptify:gemalto:admin:apps:kylo")), ("devAccount", .string("ncryptify:gemalto:admin:accounts:gemalto")),
            ("createdAt", .string(createdAt.description)), ("updatedAt", .string(updatedAt.description)),
        ]
    }

    /// The first due time after `time`, inside the configuration's dates; nil when disabled or past its end.
    package func nextDue(after time: Timestamp) -> Timestamp? {
        guard !disabled else { return nil }
        let from = startDate.map { max(time, $0.adding(seconds: -1e-9)) } ?? time
        guard let due = runAt.next(after: from) else { return nil }
        if let endDate, due > endDate { return nil }
        return due
    }
}
