/// A job run (`/api/v1/scheduler/jobs`): one run of a configuration, by its schedule or by
/// run-now. A run that started a synchronization shows that job's status and time of last change;
/// a run CM refused to start (the family already had a job in progress) is `failed` with the reason
/// *(chosen over `aborted`: the run tried and got the same 409 a client would; `aborted` reads as
/// stopped by someone)*; runs of other operations complete at once.
package struct SchedulerRun: Sendable, Equatable {
    package enum Trigger: String, Sendable {
        case schedule
        case runNow = "run_now"
    }

    /// What a run records when it is made.
    package struct Request: Sendable {
        package let id: String
        package let name: String
        package let operation: String
        package let trigger: Trigger
        package let at: Timestamp

        package init(id: String, name: String, operation: String, trigger: Trigger, at: Timestamp) {
            self.id = id
            self.name = name
            self.operation = operation
            self.trigger = trigger
            self.at = at
        }
    }

    package let id: String
    package let domain: String
    package let configID: String
    package let name: String
    package let operation: String
    package let trigger: String
    package let status: String
    /// The synchronization's family and job id, when the run started one.
    package let family: String?
    package let jobID: String?
    /// Why a run did not start its job.
    package let message: String?
    package let createdAt: Timestamp
    package let updatedAt: Timestamp

    package init(
        id: String, domain: String, configID: String, name: String, operation: String, trigger: String, status: String, family: String? = nil,
        jobID: String? = nil, message: String? = nil, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.domain = domain
        self.configID = configID
        self.name = name
        self.operation = operation
        self.trigger = trigger
        self.status = status
        self.family = family
        self.jobID = jobID
        self.message = message
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    package static let statuses = ["scheduled", "in_progress", "completed", "failed", "aborted"]
    /// `sort` fields and the columns they order by.
    package static let sortFields = [
        "createdAt": "created_at", "updatedAt": "updated_at", "name": "name", "status": "status", "operation": "operation",
    ]

    /// The resource as served *(chosen where CM's record is silent: `trigger`, `details`)*.
    package var document: String {
        var details: [(key: String, value: JSONValue)] = []
        if let family = family.flatMap(JobFamily.named) {
            details.append(("cloud_name", .string(family.schedulerCloud ?? family.name)))
            if let jobID {
                details.append(("job_id", .string(jobID)))
                details.append(("job_path", .string("/api/v1/cckm/" + family.basePath + "/" + jobID)))
            }
        }
        if let message { details.append(("error", .string(message))) }
        return JSONValue.object(
            SchedulerConfig.resource(id: id, kind: "jobs", createdAt: createdAt, updatedAt: updatedAt) + [
                ("name", .string(name)), ("operation", .string(operation)), ("job_config_id", .string(configID)), ("status", .string(status)),
                ("processing_node", .string("cckm-mock")), ("trigger", .string(trigger)), ("details", .object(details)),
            ]
        ).jsonText
    }
}

/// `GET /api/v1/scheduler/jobs`'s filters, sort and page, checked.
package struct SchedulerRunQuery: Sendable {
    package var id: String?
    package var configID: String?
    package var status: String?
    package var operation: String?
    package var name: String?
    /// Column and direction, in order; newest first when not given.
    package var sort: [(column: String, descending: Bool)] = [("created_at", true)]

    package init(
        id: String? = nil, configID: String? = nil, status: String? = nil, operation: String? = nil, name: String? = nil,
        sort: [(column: String, descending: Bool)] = [("created_at", true)]
    ) {
        self.id = id
        self.configID = configID
        self.status = status
        self.operation = operation
        self.name = name
        self.sort = sort
    }
    package var skip = 0
    package var limit = 10
}
