/// A key in CM's inventory: what a completed sync brought from the cloud into one domain. Its CM
/// `id` is made from the domain, the cloud and the cloud's id, so it stays the same across
/// re-syncs (and restarts, and two mocks). `gone` once a sync no longer finds it in the cloud.
package struct InventoryKey: Sendable, Equatable {
    package var domain: String
    package var key: CloudKey
    /// The container the sync named (AWS: the KMS), its name and CM id.
    package var containerName: String
    package var containerID: String
    package var gone: Bool
    package var createdAt: Timestamp
    package var updatedAt: Timestamp
    package var syncedAt: Timestamp

    package init(
        domain: String, key: CloudKey, containerName: String, containerID: String, gone: Bool = false, createdAt: Timestamp, updatedAt: Timestamp,
        syncedAt: Timestamp
    ) {
        self.domain = domain
        self.key = key
        self.containerName = containerName
        self.containerID = containerID
        self.gone = gone
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.syncedAt = syncedAt
    }

    package var id: String { Self.id(domain: domain, cloud: key.cloud, cloudID: key.cloudID) }

    package static func id(domain: String, cloud: CloudKey.Cloud, cloudID: String) -> String {
        stableUUID("cm-key", domain, cloud.rawValue, cloudID)
    }

    /// The key as `GET /api/v1/cckm/aws/keys[/{id}]` serves it: the members of CM's example in its
    /// order, then the ones its parameter list and Thales' clients read, then `aws_param`.
    package var document: String {
        var writer = JSONWriter(capacity: 1600)
        writer.raw("{")
        writer.key("id", first: true)
        writer.string(id)
        writer.key("uri")
        writer.string("kylo:kylo:cckm:aws-key:" + id)
        writer.key("account")
        writer.string("kylo:kylo:admin:accounts:kylo")
        writer.key("application")
        writer.string("ncryptify:gemalto:admin:apps:kylo")
        writer.key("devAccount")
        writer.string("ncryptify:gemalto:admin:accounts:gemalto")
        writer.key("createdAt")
        writer.string(createdAt.description)
        writer.key("updatedAt")
        writer.string(updatedAt.description)
        writer.key("kms_id")
        writer.string(containerID)
        writer.key("kms")
        writer.string(containerName)
        writer.key("synced_at")
        writer.string(syncedAt.description)
        writer.key("rotation_status")
        writer.string("")
        writer.key("cloud_name")
        writer.string("aws")
        writer.key("key_type")
        writer.string(parameter("CustomerMasterKeySpec")?.stringValue?.hasPrefix("SYMMETRIC") == false ? "asymmetric" : "symmetric")
        writer.key("basic_view_enabled")
        writer.raw("false")
        writer.key("region")
        writer.string(key.region)
        writer.key("gone")
        writer.raw(gone ? "true" : "false")
        writer.key("key_material_origin")
        writer.string("native")
        writer.key("key_source")
        writer.string("native")
        writer.key("labels")
        writer.raw("{}")
        writer.key("local_key_id")
        writer.string("")
        writer.key("local_key_name")
        writer.string("")
        for list in ["external_accounts", "key_admins", "key_admins_roles", "key_users", "key_users_roles"] {
            writer.key(list)
            writer.raw("[]")
        }
        writer.key("aws_param")
        writer.value(.object(key.parameters))
        writer.raw("}")
        return writer.text
    }

    package func parameter(_ name: String) -> JSONValue? {
        key.parameters.first { $0.key == name }?.value
    }
}
