/// What real clients send to CM's scheduler, shared by the in-process and the live tests (issue
/// 23). The Terraform bodies are what ThalesGroup/terraform-provider-ciphertrust 1.0.1 marshals
/// (`internal/provider/cm/schema_cm.go`): Go's `encoding/json` writes every field, in struct order,
/// `null` for a nil pointer or slice and `0001-01-01T00:00:00Z` for a zero `time.Time`.
package enum SchedulerBodies {
    package static let configs = "/api/v1/scheduler/job-configs"

    /// `resource_scheduler.go` Create: a `cckm_synchronization` config with only `kms` set.
    package static func terraformCreate(name: String = "tf-aws", cloud: String = "aws", targets: String = #""kms":["kms-1"],"oci_vaults":null"#)
        -> String
    {
        #"{"name":"\#(name)","description":"","operation":"cckm_synchronization","run_at":"0 9 * * *","run_on":"","disabled":false,"start_date":"0001-01-01T00:00:00Z","end_date":"0001-01-01T00:00:00Z","database_backup_params":null,"cckm_key_rotation_params":null,"cckm_synchronization_params":{"cloud_name":"\#(cloud)",\#(targets),"synchronize_all":null},"cckm_xks_credential_rotation_params":null}"#
    }

    /// `resource_scheduler.go` Update: `name` and `operation` never set, `cloud_name` blanked.
    package static func terraformUpdate(runAt: String, description: String, kms: String, startDate: String = "0001-01-01T00:00:00Z") -> String {
        #"{"name":"","description":"\#(description)","operation":"","run_at":"\#(runAt)","run_on":"","disabled":false,"start_date":"\#(startDate)","end_date":"0001-01-01T00:00:00Z","database_backup_params":null,"cckm_key_rotation_params":null,"cckm_synchronization_params":{"cloud_name":"","kms":\#(kms),"oci_vaults":null,"synchronize_all":null}}"#
    }

    /// A configuration that runs every 15 minutes.
    package static let every15 =
        #"{"name":"aws-15","operation":"cckm_synchronization","run_at":"*/15 * * * *","cckm_synchronization_params":{"cloud_name":"aws","kms":["kms"]}}"#
}
