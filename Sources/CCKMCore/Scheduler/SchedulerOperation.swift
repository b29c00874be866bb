/// What a scheduler job configuration does when it runs: one row per operation CM's scheduler
/// has, as `GET /api/v1/scheduler/operations` lists them. Every fact about an operation is a field
/// here; the code reads fields and never switches on an operation's name.
package struct SchedulerOperation: Sendable, Equatable {
    /// `operation` in a configuration.
    package let name: String
    /// The member of a create or a `PATCH` that carries this operation's parameters (answers show
    /// them under `job_config_params`).
    package let paramsField: String
    package let description: String
    /// Whether a run starts a CCKM synchronization job of the cloud its parameters name. The
    /// mock runs nothing else: a run of another operation is recorded and completes at once
    /// *(chosen: a backup or a key rotation has no effect a CCKM client can see)*.
    package let startsSynchronization: Bool
    /// The parameters the operation takes, with their JSON types (`cckm_synchronization`'s
    /// depend on the cloud and are checked as a start request is).
    package let parameters: [(name: String, type: String)]
    /// Parameters a create must give.
    package let required: [String]

    package static let all: [SchedulerOperation] = [
        SchedulerOperation(
            name: "cckm_synchronization", paramsField: "cckm_synchronization_params",
            description: "Synchronize the keys of a cloud's key stores into CCKM", startsSynchronization: true, parameters: [], required: []),
        SchedulerOperation(
            name: "cckm_key_rotation", paramsField: "cckm_key_rotation_params", description: "Rotate the cloud keys a rotation policy selects",
            startsSynchronization: false,
            parameters: [
                ("cloud_name", "a string"), ("expiration", "a string"), ("expire_in", "a string"), ("aws_param", "an object"),
                ("azure_param", "an object"), ("gcp_param", "an object"), ("oci_param", "an object"),
            ], required: ["cloud_name"]),
        SchedulerOperation(
            name: "cckm_xks_credential_rotation", paramsField: "cckm_xks_credential_rotation_params",
            description: "Rotate the credentials of AWS external key stores", startsSynchronization: false, parameters: [("cloud_name", "a string")],
            required: []),
        SchedulerOperation(
            name: "database_backup", paramsField: "database_backup_params", description: "Back up CipherTrust Manager's database",
            startsSynchronization: false,
            parameters: [
                ("tiedToHSM", "a boolean"), ("description", "a string"), ("backupKey", "a string"), ("scope", "a string"), ("filters", "an array"),
                ("retentionCount", "a number"), ("do_scp", "a boolean"), ("connection", "a string"),
            ], required: []),
    ]

    package static func named(_ name: String) -> SchedulerOperation? { all.first { $0.name == name } }

    package static func == (lhs: SchedulerOperation, rhs: SchedulerOperation) -> Bool { lhs.name == rhs.name }

    /// `{"name","description","params_field"}`, an item of `GET /api/v1/scheduler/operations`.
    package var json: JSONValue {
        .object([("name", .string(name)), ("description", .string(description)), ("params_field", .string(paramsField))])
    }
}
