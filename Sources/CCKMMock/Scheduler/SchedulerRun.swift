/// A job run (`/api/v1/scheduler/jobs`): one run of a configuration, by its schedule or by
/// run-now. A run that started a synchronization shows that job's status and time of last change;
/// a run CM refused to start (the family already had a job in progress) is `failed` with the reason
/// *(chosen over `aborted`: the run tried and got the same 409 a client would; `aborted` reads as
/// stopped by someone)*; runs of other operations complete at once.
struct SchedulerRun: Sendable, Equatable {
    enum Trigger: String, Sendable {
        case schedule
        case runNow = "run_now"
    }

    /// What a run records when it is made.
    struct Request: Sendable {
        let id: String
        let name: String
        let operation: String
        let trigger: Trigger
        let at: Timestamp
    }

    let id: String
    let domain: String
    let configID: String
    let name: String
    let operation: String
    let trigger: String
    let status: String
    /// The synchronization's family and job id, when the run started one.
    let family: String?
    let jobID: String?
    /// Why a run did not start its job.
    let message: String?
    let createdAt: Timestamp
    let updatedAt: Timestamp

    static let statuses = ["scheduled", "in_progress", "completed", "failed", "aborted"]
    /// `sort` fields and the columns they order by.
    static let sortFields = ["createdAt": "created_at", "updatedAt": "updated_at", "name": "name", "status": "status", "operation": "operation"]

    /// The resource as served *(chosen where CM's record is silent: `trigger`, `details`)*.
    var document: String {
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
struct SchedulerRunQuery: Sendable {
    var id: String?
    var configID: String?
    var status: String?
    var operation: String?
    var name: String?
    /// Column and direction, in order; newest first when not given.
    var sort: [(column: String, descending: Bool)] = [("created_at", true)]
    var skip = 0
    var limit = 10
}
