/// A record in CM's inventory (a key, or an Azure secret or certificate version): what a completed
/// sync brought from the cloud into one domain. Its CM `id` is made from the domain, the cloud and
/// the cloud's id, so it stays the same across re-syncs (and restarts, and two mocks). `gone` once
/// a sync no longer finds it in the cloud.
package struct InventoryKey: Sendable, Equatable {
    package var domain: String
    package var key: CloudKey
    /// The container the sync named (AWS: the KMS; Azure and OCI: the vault; Google: the key
    /// ring), its name and CM id.
    package var containerName: String
    package var containerID: String
    /// Where the record lives as CM shows it: the key's AWS region, the Azure vault's location or
    /// the OCI vault's region from the sync's target, the Google key ring's location.
    package var region: String
    /// Azure: this version's place among its key's versions (0 the first), and how many there are.
    package var version = 0
    package var versionCount = 1
    package var gone: Bool
    package var createdAt: Timestamp
    package var updatedAt: Timestamp
    package var syncedAt: Timestamp

    package init(
        domain: String, key: CloudKey, containerName: String, containerID: String, region: String? = nil, gone: Bool = false,
        createdAt: Timestamp, updatedAt: Timestamp, syncedAt: Timestamp
    ) {
        self.domain = domain
        self.key = key
        self.containerName = containerName
        self.containerID = containerID
        self.region = region ?? key.region
        self.gone = gone
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.syncedAt = syncedAt
    }

    package var id: String { Self.id(domain: domain, cloud: key.cloud, cloudID: key.cloudID) }

    package static func id(domain: String, cloud: CloudKey.Cloud, cloudID: String) -> String {
        stableUUID("cm-key", domain, cloud.rawValue, cloudID)
    }

    package func parameter(_ name: String) -> JSONValue? { key.parameter(name) }

    /// The record as its list and `GET …/{id}` serve it: the members of CM's example in its order,
    /// then the ones its parameter list and Thales' clients read, then the cloud's parameters.
    package var document: String {
        var writer = JSONWriter(capacity: 1600)
        writer.raw("{")
        writer.key("id", first: true)
        writer.string(id)
        writer.key("uri")
        writer.string("kylo:kylo:cckm:\(key.cloud.uriKind):" + (key.cloud == .oci ? key.name.lowercased() + "-" + id : id))
        writer.commonMembers(createdAt: createdAt, updatedAt: updatedAt)
        switch key.cloud {
        case .aws: awsMembers(&writer)
        case .azure, .azureSecret, .azureCertificate: azureMembers(&writer)
        case .google: googleMembers(&writer)
        case .oci: ociMembers(&writer)
        }
        writer.raw("}")
        return writer.text
    }

    private func awsMembers(_ writer: inout JSONWriter) {
        writer.strings([("kms_id", containerID), ("kms", containerName), ("synced_at", syncedAt.description), ("rotation_status", "")])
        writer.strings([
            ("cloud_name", "aws"),
            ("key_type", parameter("CustomerMasterKeySpec")?.stringValue?.hasPrefix("SYMMETRIC") == false ? "asymmetric" : "symmetric"),
        ])
        writer.key("basic_view_enabled")
        writer.raw("false")
        writer.strings([("region", region)])
        writer.key("gone")
        writer.raw(gone ? "true" : "false")
        writer.strings([("key_material_origin", "native"), ("key_source", "native")])
        writer.key("labels")
        writer.raw("{}")
        writer.strings([("local_key_id", ""), ("local_key_name", "")])
        for list in ["external_accounts", "key_admins", "key_admins_roles", "key_users", "key_users_roles"] {
            writer.key(list)
            writer.raw("[]")
        }
        writer.key("aws_param")
        writer.value(.object(key.parameters))
    }

    /// Azure keys, secrets and certificates: one record per version, `syncedAt` in camel case.
    private func azureMembers(_ writer: inout JSONWriter) {
        writer.strings([("key_vault", containerName), ("key_vault_id", containerID), ("region", region)])
        writer.key("deleted")
        writer.raw("false")
        if key.cloud == .azure {
            writer.strings([("backup", ""), ("backup_at", "")])
            writer.key("soft_delete_enabled")
            writer.raw("true")
            writer.key("key_soft_deleted_in_azure")
            writer.raw("false")
        }
        writer.strings([("status", "AVAILABLE"), ("syncedAt", syncedAt.description), ("created_by", ""), ("modified_by", "")])
        writer.key("version")
        writer.raw(String(version))
        writer.key("version_count")
        writer.raw(String(versionCount))
        if key.cloud == .azure {
            writer.key("key_size")
            writer.raw("2048")
            writer.strings([("key_name", key.name)])
        } else {
            writer.strings([("name", key.name)])
        }
        writer.strings([("cloud_name", "AzureCloud"), ("tenant", FakeAzure.tenant)])
        writer.key("gone")
        writer.raw(gone ? "true" : "false")
        writer.strings([("key_material_origin", "native")])
        writer.key("labels")
        writer.raw("{}")
        writer.strings([("local_key_name", "")])
        writer.key("azure_param")
        writer.value(.object(key.parameters))
    }

    private func googleMembers(_ writer: inout JSONWriter) {
        let ring = FakeGoogle.ring(key.container)
        writer.strings([
            ("cloud_name", "gcp"), ("key_id", key.name), ("project_id", ring.project), ("location_id", ring.location),
            ("key_ring_id", containerID), ("key_ring_name", ring.name),
        ])
        writer.key("gone")
        writer.raw(gone ? "true" : "false")
        writer.key("auto_rotate")
        writer.raw("false")
        writer.strings([
            ("status", "AVAILABLE"), ("create_status", "AVAILABLE"), ("synced_at", syncedAt.description), ("key_material_origin", "native"),
        ])
        writer.key("labels")
        writer.raw("{}")
        writer.key("gcp_params")
        writer.value(.object(key.parameters))
    }

    /// OCI keys carry both timestamp spellings: CM's example has `createdAt`, Thales' Terraform
    /// model reads `created_at`.
    private func ociMembers(_ writer: inout JSONWriter) {
        writer.strings([
            ("created_at", createdAt.description), ("updated_at", updatedAt.description), ("vault_id", containerID), ("cckm_vault_id", containerID),
            ("tenancy", FakeOCI.tenancy), ("compartment_name", FakeOCI.tenancy), ("region", region), ("cloud_name", "oci"),
        ])
        writer.key("auto_rotate")
        writer.raw("false")
        writer.strings([("key_material_origin", "native"), ("refreshed_at", syncedAt.description)])
        writer.key("gone")
        writer.raw(gone ? "true" : "false")
        writer.key("labels")
        writer.raw("{}")
        writer.key("oci_params")
        writer.value(.object(key.parameters))
    }

    /// An OCI key's versions (`GET /api/v1/cckm/oci/keys/{id}/versions`): the fake cloud keeps
    /// one per key, its current version.
    package var ociVersions: [String] {
        let versionID = parameter("current_key_version")?.stringValue ?? ""
        let id = stableUUID("cm-key-version", domain, key.cloudID, versionID)
        var writer = JSONWriter(capacity: 900)
        writer.raw("{")
        writer.key("id", first: true)
        writer.string(id)
        writer.key("uri")
        writer.string("kylo:kylo:cckm:oci-key-version:" + id)
        writer.commonMembers(createdAt: createdAt, updatedAt: updatedAt)
        writer.strings([("cloud_name", "oci")])
        writer.key("gone")
        writer.raw(gone ? "true" : "false")
        writer.strings([
            ("key_material_origin", "native"), ("refreshed_at", syncedAt.description), ("source_key_identifier", ""), ("source_key_name", ""),
            ("source_key_tier", ""),
        ])
        writer.key("labels")
        writer.raw("{}")
        writer.key("oci_key_version_params")
        writer.value(
            .object([
                ("compartment_id", parameter("compartment_id") ?? .string(FakeOCI.compartment)), ("key_id", .string(key.cloudID)),
                ("version_id", .string(versionID)), ("vault_id", .string(containerID)),
                ("lifecycle_state", parameter("lifecycle_state") ?? .string("ENABLED")), ("origin", .string("INTERNAL")),
                ("time_created", parameter("time_created") ?? .string(key.createdAt.description)), ("is_primary", .bool(true)),
                ("replication_id", .string("")), ("restored_from_key_version_id", .string("")),
            ]))
        writer.raw("}")
        return [writer.text]
    }
}

extension JSONWriter {
    /// The members every CM resource starts with after `id` and `uri`.
    fileprivate mutating func commonMembers(createdAt: Timestamp, updatedAt: Timestamp) {
        strings([
            ("account", "kylo:kylo:admin:accounts:kylo"), ("application", "ncryptify:gemalto:admin:apps:kylo"),
            ("devAccount", "ncryptify:gemalto:admin:accounts:gemalto"), ("createdAt", createdAt.description), ("updatedAt", updatedAt.description),
        ])
    }

    fileprivate mutating func strings(_ members: [(String, String)]) {
        for (name, value) in members {
            key(name)
            string(value)
        }
    }
}
