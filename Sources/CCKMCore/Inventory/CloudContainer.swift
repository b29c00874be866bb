/// An Azure vault, Google key ring or OCI vault a client added to CM before syncing it
/// (`POST /api/v1/cckm/azure/add-vaults`, `/google/add-key-rings`, `/oci/add-vaults`). `name` is
/// how syncs and the fake cloud's records name it: `<vault>::<subscription>`, the key ring's
/// resource name, the OCI vault's OCID. Any connection name is accepted.
package struct CloudContainer: Sendable, Equatable {
    package var cloud: CloudKey.Cloud
    package var id: String
    package var name: String
    package var document: String

    /// Reads an add call's body into the containers it adds; `id` draws each one's CM id.
    package static func parseAdd(_ body: [UInt8], cloud: CloudKey.Cloud, id: () -> String, at now: Timestamp) throws(InputError)
        -> [CloudContainer]
    {
        let fields = JSONValue.object(try InputError.objectMembers(of: body))
        guard let connection = try fields.optionalString("connection"), !connection.isEmpty else {
            throw .invalidParameter("connection", "the name or id of a \(cloud.label) connection is required")
        }
        switch cloud {
        case .azure, .azureSecret, .azureCertificate:
            try fields.rejectUnknownMembers(known: ["connection", "subscription_id", "vaults"])
            guard let subscription = try fields.optionalString("subscription_id"), !subscription.isEmpty else {
                throw .invalidParameter("subscription_id", "the vaults' Azure subscription id is required")
            }
            return try items(fields, "vaults").map { item throws(InputError) in
                try item.rejectUnknownMembers(known: ["name", "azure_vault_id", "location", "type", "properties"])
                guard let name = try item.optionalString("name"), !name.isEmpty else {
                    throw .invalidParameter("vaults", "each vault needs its Azure name")
                }
                _ = try item.optionalString("type")
                if let properties = item["properties"], properties.objectValue == nil {
                    throw .invalidParameter("properties", "expected an object, got \(properties.typeName)")
                }
                let location = try item.optionalString("location").flatMap { $0.isEmpty ? nil : $0 } ?? FakeAzure.location
                return azureVault(
                    id: id(), name: name, subscription: subscription, location: location, connection: connection,
                    vaultID: try item.optionalString("azure_vault_id"), properties: item["properties"], at: now)
            }
        case .google:
            try fields.rejectUnknownMembers(known: ["connection", "project_id", "key_rings"])
            let project = try fields.optionalString("project_id") ?? FakeGoogle.project
            return try items(fields, "key_rings").map { item throws(InputError) in
                try item.rejectUnknownMembers(known: ["name"])
                guard let name = try item.optionalString("name"), !name.isEmpty else {
                    throw .invalidParameter("key_rings", "each key ring needs its name (projects/<p>/locations/<l>/keyRings/<r>)")
                }
                return googleKeyRing(id: id(), name: name, project: project, connection: connection, at: now)
            }
        case .oci:
            try fields.rejectUnknownMembers(known: ["connection", "region", "vault_id", "bucket_name", "bucket_namespace"])
            for member in ["bucket_name", "bucket_namespace"] { _ = try fields.optionalString(member) }
            let region = try fields.optionalString("region").flatMap { $0.isEmpty ? nil : $0 } ?? FakeOCI.region
            guard let ocids = fields["vault_id"]?.arrayValue, !ocids.isEmpty, ocids.allSatisfy({ $0.stringValue?.isEmpty == false }) else {
                throw .invalidParameter("vault_id", "a non-empty array of vault OCIDs is required")
            }
            return ocids.compactMap(\.stringValue).uniqued().map { ociVault(id: id(), ocid: $0, region: region, connection: connection, at: now) }
        case .aws:
            throw .badRequest("AWS KMS containers are created with POST /api/v1/cckm/aws/kms")
        }
    }

    private static func items(_ fields: JSONValue, _ member: String) throws(InputError) -> [JSONValue] {
        guard let list = fields[member]?.arrayValue, !list.isEmpty, list.allSatisfy({ $0.objectValue != nil }) else {
            throw .invalidParameter(member, "a non-empty array of objects is required")
        }
        return list
    }

    static func azureVault(
        id: String, name: String, subscription: String, location: String, connection: String, vaultID: String?, properties: JSONValue?,
        at now: Timestamp
    ) -> CloudContainer {
        let defaults = JSONValue.object([
            ("tenantId", .string(FakeAzure.tenant)), ("sku", .object([("family", .string("A")), ("name", .string("standard"))])),
            ("vaultUri", .string("https://\(name).vault.azure.net/")), ("enabledForDeployment", .bool(false)),
            ("enabledForDiskEncryption", .bool(false)), ("enabledForTemplateDeployment", .bool(false)), ("enableSoftDelete", .bool(true)),
            ("softDeleteRetentionInDays", .number("90")), ("enableRbacAuthorization", .bool(false)),
        ])
        let vault = "/subscriptions/\(subscription)/resourceGroups/fake-resources/providers/Microsoft.KeyVault/vaults/\(name)"
        let document = JSONWriter.object(
            header(id: id, kind: "azure-vault", at: now) + [
                ("name", .string("\(name)::\(subscription)")), ("azure_name", .string(name)), ("azure_vault_id", .string(vaultID ?? vault)),
                ("cloud_name", .string("AzureCloud")), ("connection", .string(connection)), ("location", .string(location)),
                ("region", .string(location)), ("subscription_id", .string(subscription)), ("subscription_name", .string("")),
                ("synced_at", .string("")), ("type", .string("Microsoft.KeyVault/vaults")),
                ("properties", .rendered((properties ?? defaults).jsonText)),
                ("tags", .rendered("{}")), ("acls", .array([])),
            ])
        return CloudContainer(cloud: .azure, id: id, name: "\(name)::\(subscription)", document: document)
    }

    static func googleKeyRing(id: String, name: String, project: String, connection: String, at now: Timestamp) -> CloudContainer {
        let ring = FakeGoogle.ring(name)
        let document = JSONWriter.object(
            header(id: id, kind: "gcp-key-rings", at: now) + [
                ("name", .string(name)), ("key_ring_name", .string(ring.name)), ("project_id", .string(name == ring.name ? ring.project : project)),
                ("location", .string(ring.location)), ("region", .string(ring.location)), ("connection", .string(connection)),
                ("cloud_name", .string("gcp")), ("synced_at", .string("")), ("acls", .array([])),
            ])
        return CloudContainer(cloud: .google, id: id, name: name, document: document)
    }

    static func ociVault(id: String, ocid: String, region: String, connection: String, at now: Timestamp) -> CloudContainer {
        let document = JSONWriter.object(
            header(id: id, kind: "oci-vault", at: now) + [
                ("compartment_id", .string(FakeOCI.compartment)), ("display_name", .string(ocid)), ("name", .string(ocid)),
                ("vault_id", .string(ocid)), ("lifecycle_state", .string("ACTIVE")),
                ("management_endpoint", .string("https://fake-management.kms.\(region).oraclecloud.com")),
                ("time_created", .string(now.description)), ("cloud_name", .string("oci")), ("connection", .string(connection)),
                ("vault_type", .string("DEFAULT")), ("wrappingkey_id", .string("")), ("freeform_tags", .rendered("{}")),
                ("defined_tags", .rendered("{}")), ("restored_from_vault_id", .string("")), ("replication_id", .string("")),
                ("is_primary", .rendered("true")), ("acls", .array([])), ("refreshed_at", .string("")), ("tenancy", .string(FakeOCI.tenancy)),
                ("region", .string(region)), ("compartment_name", .string(FakeOCI.tenancy)),
            ])
        return CloudContainer(cloud: .oci, id: id, name: ocid, document: document)
    }

    private static func header(id: String, kind: String, at now: Timestamp) -> [(String, JSONPart)] {
        [
            ("id", .string(id)), ("uri", .string("kylo:kylo:cckm:\(kind):\(id)")), ("account", .string("kylo:kylo:admin:accounts:kylo")),
            ("application", .string("ncryptify:gemalto:admin:apps:kylo")), ("devAccount", .string("ncryptify:gemalto:admin:accounts:gemalto")),
            ("createdAt", .string(now.description)), ("updatedAt", .string(now.description)),
        ]
    }

    /// The add call's answer: OCI's as Thales' Terraform provider reads it (`vaults[].id`), the
    /// others as a CM list of what was added.
    package static func addAnswer(_ added: [CloudContainer], cloud: CloudKey.Cloud) -> String {
        let documents = added.map(\.document)
        if cloud == .oci { return JSONWriter.object([("vaults", .array(documents))]) }
        return JSONWriter.object([
            ("skip", .number(0)), ("limit", .number(documents.count)), ("total", .number(documents.count)), ("resources", .array(documents)),
        ])
    }
}
