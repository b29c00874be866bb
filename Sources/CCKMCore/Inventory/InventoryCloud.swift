/// Where each cloud's records live in CM's API and the control API, which container a sync
/// target names, and the filters and sort fields its list takes: the table the edge routes and
/// parses from and the store queries by.
extension CloudKey.Cloud {
    /// The collection under `/api/v1/cckm/` and under `/__admin/cloud/`.
    package var path: String {
        switch self {
        case .aws: "aws/keys"
        case .azure: "azure/keys"
        case .azureSecret: "azure/secrets"
        case .azureCertificate: "azure/certificates"
        case .google: "google/keys"
        case .oci: "oci/keys"
        }
    }

    /// What the control API's answers and errors call the cloud.
    package var label: String {
        switch self {
        case .aws: "AWS"
        case .azure, .azureSecret, .azureCertificate: "Azure"
        case .google: "Google"
        case .oci: "OCI"
        }
    }

    /// The record's kind in its CM `uri` (`kylo:kylo:cckm:<kind>:<id>`).
    package var uriKind: String {
        switch self {
        case .aws: "aws-key"
        case .azure: "azure-key"
        case .azureSecret: "azure-secret"
        case .azureCertificate: "azure-certificate"
        case .google: "gcp-keys"
        case .oci: "oci-key"
        }
    }

    /// Azure's records are versions of a key: a name given again is a new version, and a key
    /// goes with all of them.
    package var isVersioned: Bool { self == .azure || self == .azureSecret || self == .azureCertificate }

    /// The member of a record's document holding the cloud's parameters.
    package var parametersMember: String {
        switch self {
        case .aws: "aws_param"
        case .azure, .azureSecret, .azureCertificate: "azure_param"
        case .google: "gcp_params"
        case .oci: "oci_params"
        }
    }

    /// The control API's member naming the container a new record lives in.
    package var containerMember: String {
        switch self {
        case .aws: "region"
        case .google: "key_ring"
        case .azure, .azureSecret, .azureCertificate, .oci: "vault"
        }
    }

    /// The container of a finished target, from its `detailed_status` key: an AWS
    /// `<account>/<region>` as it is, an Azure `<location>/<vault>`'s vault, others the target.
    package func container(ofStatusKey key: String) -> (container: String, location: String?) {
        switch self {
        case .azure, .azureSecret, .azureCertificate:
            guard let slash = key.firstIndex(of: "/") else { return (key, nil) }
            return (String(key[key.index(after: slash)...]), String(key[..<slash]))
        default:
            return (key, nil)
        }
    }

    package var filters: [KeyQuery.Filter] {
        typealias F = KeyQuery.Filter
        switch self {
        case .aws:
            return [
                F("id", .id), F("keyid", .cloudID), F("region", .region), F("alias", .alias, maxLength: 256),
                F("arn", .arn, maxLength: 256), F("kms", .containerName, maxLength: 256), F("kms_id", .containerID),
                F("gone", .gone, boolean: true), F("enabled", .parameter("Enabled"), boolean: true), F("keystate", .parameter("KeyState")),
                F("multi_region", .parameter("MultiRegion"), boolean: true),
                F("multi_region_key_type", .parameter("MultiRegionConfiguration.MultiRegionKeyType")), F("origin", .parameter("Origin")),
                F("keyusage", .parameter("KeyUsage")), F("keymanager", .parameter("KeyManager")),
                F("CustomerMasterKeySpec", .parameter("CustomerMasterKeySpec")), F("cloud_name", .constant("aws")),
                F("key_material_origin", .constant("native")),
            ]
        case .azure:
            return [
                F("id", .id), F("key_name", .name, maxLength: 127), F("key_vault", .containerName, maxLength: 256), F("key_vault_id", .containerID),
                F("kid", .parameter("key.kid"), maxLength: 512), F("region", .region), F("gone", .gone, boolean: true),
                F("deleted", .document("deleted"), boolean: true), F("enabled", .parameter("attributes.enabled"), boolean: true),
                F("status", .document("status")), F("version", .version), F("cloud_name", .constant("AzureCloud")),
                F("key_material_origin", .constant("native")),
            ]
        case .azureSecret, .azureCertificate:
            return [
                F("id", .id), F("name", .name, maxLength: 127), F("key_vault", .containerName, maxLength: 256), F("key_vault_id", .containerID),
                F("region", .region), F("gone", .gone, boolean: true), F("enabled", .parameter("attributes.enabled"), boolean: true),
                F("cloud_name", .constant("AzureCloud")),
            ]
        case .google:
            return [
                F("id", .id), F("name", .name, maxLength: 63), F("key_id", .name, maxLength: 63), F("key_ring_id", .containerID),
                F("key_ring_name", .containerName, maxLength: 256), F("location_id", .region), F("project_id", .document("project_id")),
                F("gone", .gone, boolean: true), F("purpose", .parameter("purpose")), F("state", .parameter("primary.state")),
                F("algorithm", .parameter("versionTemplate.algorithm")), F("protection_level", .parameter("versionTemplate.protectionLevel")),
                F("cloud_name", .constant("gcp")),
            ]
        case .oci:
            return [
                F("id", .id), F("key_name", .name, maxLength: 256), F("key_id", .cloudID, maxLength: 256),
                F("vault_name", .containerName, maxLength: 256),
                F("cckm_vault_id", .containerID), F("vault_id", .containerID), F("region", .region), F("gone", .gone, boolean: true),
                F("lifecycle_state", .parameter("lifecycle_state")), F("tenancy", .constant(FakeOCI.tenancy)), F("cloud_name", .constant("oci")),
                F("key_material_origin", .constant("native")),
            ]
        }
    }

    package var sortFields: [KeyQuery.SortField] {
        typealias S = KeyQuery.SortField
        let common = [S("createdAt", .createdAt), S("updatedAt", .updatedAt), S("region", .region)]
        switch self {
        case .aws: return common + [S("synced_at", .syncedAt), S("alias", .name)]
        case .azure: return common + [S("syncedAt", .syncedAt), S("key_name", .name)]
        case .azureSecret, .azureCertificate: return common + [S("syncedAt", .syncedAt), S("name", .name)]
        case .google: return common + [S("name", .name), S("key_id", .name)]
        case .oci: return common + [S("refreshed_at", .syncedAt), S("key_name", .name)]
        }
    }
}
