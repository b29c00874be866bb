/// The fake Azure cloud's facts and a new record's `azure_param`, in the shape Azure's Key Vault
/// API returns and CM keeps: `key` (or `secret`, `certificate`), `attributes`, `tags`.
package enum FakeAzure {
    /// A vault's location when the sync's `detailed_status` key does not name one.
    package static let location = "eastus"
    package static let tenant = "00000000-fa6e-4a2e-8c1d-000000000001"

    /// The vault's own name: `keyvault-softkeys` of `keyvault-softkeys::<subscription>`.
    package static func vaultName(_ container: String) -> String {
        String(container.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    package static func subscription(_ container: String) -> String {
        container.range(of: "::").map { String(container[$0.upperBound...]) } ?? ""
    }

    /// The record's Azure id: `https://<vault>.vault.azure.net/keys/<name>/<version>`.
    package static func identifier(_ cloud: CloudKey.Cloud, vault: String, name: String, version: String) -> String {
        "https://\(vaultName(vault)).vault.azure.net/\(collection(cloud))/\(name)/\(version)"
    }

    package static func collection(_ cloud: CloudKey.Cloud) -> String {
        switch cloud {
        case .azureSecret: "secrets"
        case .azureCertificate: "certificates"
        default: "keys"
        }
    }

    package static func parameters(
        _ cloud: CloudKey.Cloud, vault: String, name: String, version: String, createdAt: Timestamp, overrides: [(key: String, value: JSONValue)]
    ) -> [(key: String, value: JSONValue)] {
        let id = identifier(cloud, vault: vault, name: name, version: version)
        let seconds = JSONValue.number(String(createdAt.nanoseconds / 1_000_000_000))
        let attributes = JSONValue.object([
            ("enabled", .bool(true)), ("created", seconds), ("updated", seconds), ("recoveryLevel", .string("Recoverable+Purgeable")),
            ("exportable", .bool(false)),
        ])
        let first: (key: String, value: JSONValue)
        switch cloud {
        case .azureSecret, .azureCertificate:
            first = ("id", .string(id))
        default:
            first = (
                "key",
                .object([
                    ("kid", .string(id)), ("kty", .string("RSA")),
                    ("key_ops", .array(["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"].map(JSONValue.string))),
                    ("n", .string(String(stableUUID("azure-n", id).filter { $0 != "-" }))), ("e", .string("AQAB")),
                ])
            )
        }
        var members: [(key: String, value: JSONValue)] = [first, ("attributes", attributes), ("tags", .object([]))]
        if cloud == .azureSecret { members.insert(("contentType", .string("text/plain")), at: 1) }
        if cloud == .azureCertificate {
            members.insert(("x509_thumbprint", .string(String(stableUUID("azure-x5t", id).filter { $0 != "-" }))), at: 1)
        }
        return members.overlaid(by: overrides)
    }
}

/// The fake Google cloud: key rings by their resource name (or a short name in the fake project)
/// and a new key's `gcp_params`, as Cloud KMS's `CryptoKey` has them.
package enum FakeGoogle {
    package static let project = "fake-project"

    /// A key ring named as a sync names it: its full resource name
    /// (`projects/<p>/locations/<l>/keyRings/<r>`) or a short name in the fake project's `global`.
    package static func ring(_ container: String) -> (project: String, location: String, ring: String, name: String) {
        let parts = container.split(separator: "/").map(String.init)
        if parts.count == 6, parts[0] == "projects", parts[2] == "locations", parts[4] == "keyRings" {
            return (parts[1], parts[3], parts[5], container)
        }
        return (project, "global", container, "projects/\(project)/locations/global/keyRings/\(container)")
    }

    package static func parameters(keyRing: String, name: String, createdAt: Timestamp, overrides: [(key: String, value: JSONValue)]) -> [(
        key: String, value: JSONValue
    )] {
        let full = ring(keyRing).name + "/cryptoKeys/" + name
        let created = JSONValue.string(createdAt.description)
        let template = JSONValue.object([("protectionLevel", .string("SOFTWARE")), ("algorithm", .string("GOOGLE_SYMMETRIC_ENCRYPTION"))])
        return [
            ("name", .string(full)),
            (
                "primary",
                .object([
                    ("name", .string(full + "/cryptoKeyVersions/1")), ("state", .string("ENABLED")), ("createTime", created),
                    ("protectionLevel", .string("SOFTWARE")), ("algorithm", .string("GOOGLE_SYMMETRIC_ENCRYPTION")),
                ])
            ),
            ("purpose", .string("ENCRYPT_DECRYPT")), ("createTime", created), ("versionTemplate", template), ("labels", .object([])),
        ].overlaid(by: overrides)
    }
}

/// The fake OCI cloud: vaults by name or OCID, and a new key's `oci_params`, as OCI's Key
/// Management API has them.
package enum FakeOCI {
    /// A vault's region when no added vault says otherwise.
    package static let region = "us-ashburn-1"
    package static let tenancy = "fake-tenancy"
    package static let compartment = "ocid1.tenancy.oc1..aaaaaaaafaketenancy"

    /// An OCID of `kind` in the fake cloud, its unique part drawn (as OCI's are).
    package static func ocid(_ kind: String, unique: String) -> String {
        "ocid1.\(kind).oc1.iad." + unique.lowercased().filter { $0 != "-" }
    }

    package static func parameters(
        keyID: String, vault: String, name: String, createdAt: Timestamp, overrides: [(key: String, value: JSONValue)]
    ) -> [(key: String, value: JSONValue)] {
        [
            ("algorithm", .string("AES")), ("compartment_id", .string(compartment)),
            ("current_key_version", .string(ocid("keyversion", unique: stableUUID("oci-version", keyID, "1")))), ("curve_id", .string("")),
            ("defined_tags", .object([])), ("display_name", .string(name)), ("freeform_tags", .object([])), ("is_primary", .bool(true)),
            ("key_id", .string(keyID)), ("length", .number("32")), ("lifecycle_state", .string("ENABLED")), ("protection_mode", .string("HSM")),
            ("replication_id", .string("")), ("restored_from_key_id", .string("")), ("time_created", .string(createdAt.description)),
            ("time_of_deletion", .string("")), ("vault_name", .string(vault)),
        ].overlaid(by: overrides)
    }
}

extension [(key: String, value: JSONValue)] {
    /// These members with `overrides` (any member, any value) put over them; new ones at the end.
    package func overlaid(by overrides: [(key: String, value: JSONValue)]) -> Self {
        var members = self
        for (key, value) in overrides {
            if let index = members.firstIndex(where: { $0.key == key }) { members[index].value = value } else { members.append((key, value)) }
        }
        return members
    }
}
