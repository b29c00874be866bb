/// A key in the fake cloud behind the jobs: it exists in the cloud from the moment a fixture or a
/// test puts it there, and CM sees it only once a synchronization of its container completes
/// (`InventoryKey`). `container` is what a sync target's `detailed_status` key names: an AWS
/// `<account>/<region>`, an Azure vault (`<name>::<subscription>`), a Google key ring, an OCI vault.
package struct CloudKey: Sendable, Equatable {
    /// What a record is and where it lives: a cloud and one of its collections (Azure's vaults
    /// hold keys, secrets and certificates, each synced by its own family).
    package enum Cloud: String, Sendable, CaseIterable {
        case aws
        case azure
        case azureSecret = "azure-secret"
        case azureCertificate = "azure-certificate"
        case google, oci
    }

    package var cloud: Cloud
    package var container: String
    /// The cloud's own id: AWS's `KeyId`, an Azure version's id (one record per version), an OCI
    /// key's OCID; for Google, whose keys have only their resource name, an id the fake cloud drew.
    package var cloudID: String
    /// AWS: the alias without `alias/`, empty for none; elsewhere the key's name.
    package var name: String
    /// The cloud's parameters (`aws_param`, `azure_param`, `gcp_params`, `oci_params`), complete:
    /// defaults filled in at creation.
    package var parameters: [(key: String, value: JSONValue)]
    package var createdAt: Timestamp
    package var updatedAt: Timestamp

    package init(
        cloud: Cloud, container: String, cloudID: String, name: String, parameters: [(key: String, value: JSONValue)], createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.cloud = cloud
        self.container = container
        self.cloudID = cloudID
        self.name = name
        self.parameters = parameters
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    package static func == (lhs: CloudKey, rhs: CloudKey) -> Bool {
        lhs.cloud == rhs.cloud && lhs.container == rhs.container && lhs.cloudID == rhs.cloudID && lhs.name == rhs.name
            && JSONValue.object(lhs.parameters) == JSONValue.object(rhs.parameters) && lhs.createdAt == rhs.createdAt
            && lhs.updatedAt == rhs.updatedAt
    }

    /// A record new to the cloud at `now`, its parameters the cloud's defaults for its place, id
    /// and name with `overrides` put over them. AWS's `container` is `<account>/<region>`.
    package static func fresh(
        _ cloud: Cloud, cloudID: String, container: String, name: String, overrides: [(key: String, value: JSONValue)], at now: Timestamp
    ) -> CloudKey {
        let parameters: [(key: String, value: JSONValue)]
        switch cloud {
        case .aws:
            let place = container.split(separator: "/", maxSplits: 1).map(String.init)
            parameters = FakeAWS.parameters(
                keyID: cloudID, account: place.first ?? FakeAWS.account, region: place.last ?? "", alias: name, createdAt: now, overrides: overrides)
        case .azure, .azureSecret, .azureCertificate:
            parameters = FakeAzure.parameters(cloud, vault: container, name: name, version: cloudID, createdAt: now, overrides: overrides)
        case .google:
            parameters = FakeGoogle.parameters(keyRing: container, name: name, createdAt: now, overrides: overrides)
        case .oci:
            parameters = FakeOCI.parameters(keyID: cloudID, vault: container, name: name, createdAt: now, overrides: overrides)
        }
        return CloudKey(cloud: cloud, container: container, cloudID: cloudID, name: name, parameters: parameters, createdAt: now, updatedAt: now)
    }

    /// A new record's cloud id from a drawn UUID: AWS's `KeyId` (`mrk-` for a multi-Region key),
    /// an Azure version id, an OCI OCID; Google's as drawn.
    package static func cloudID(_ cloud: Cloud, drawn: String, multiRegion: Bool = false) -> String {
        switch cloud {
        case .aws: multiRegion ? "mrk-" + drawn.filter { $0 != "-" } : drawn
        case .azure, .azureSecret, .azureCertificate: drawn.filter { $0 != "-" }
        case .google: drawn
        case .oci: FakeOCI.ocid("key", unique: drawn)
        }
    }

    /// AWS: the account and region of `container`.
    package var account: String { String(container.split(separator: "/", maxSplits: 1).first ?? "") }
    /// AWS: the region of `container`; a Google key ring's location; elsewhere the fake cloud's
    /// default, which a sync replaces with its target's (an Azure vault's location, an OCI vault's
    /// region).
    package var region: String {
        switch cloud {
        case .aws: String(container.split(separator: "/", maxSplits: 1).last ?? "")
        case .oci: FakeOCI.region
        case .azure, .azureSecret, .azureCertificate: FakeAzure.location
        case .google: FakeGoogle.ring(container).location
        }
    }

    package func parameter(_ name: String) -> JSONValue? {
        parameters.first { $0.key == name }?.value
    }

    /// The control API's view: `GET /__admin/cloud` and the answers to its writes.
    package var json: String {
        var members: [(String, JSONPart)] = [("cloud", .string(cloud.rawValue))]
        switch cloud {
        case .aws:
            members += [
                ("KeyId", .string(cloudID)), ("account_id", .string(account)), ("region", .string(region)), ("alias", .string(name)),
            ]
        case .azure, .azureSecret, .azureCertificate, .oci:
            members += [("id", .string(cloudID)), ("vault", .string(container)), ("name", .string(name))]
        case .google:
            members += [("id", .string(cloudID)), ("key_ring", .string(container)), ("name", .string(name))]
        }
        members += [
            ("parameters", .rendered(JSONValue.object(parameters).jsonText)), ("createdAt", .string(createdAt.description)),
            ("updatedAt", .string(updatedAt.description)),
        ]
        return JSONWriter.object(members)
    }
}

/// The fake AWS cloud's facts: its account, and the regions `POST /api/v1/cckm/aws/accounts` lists.
package enum FakeAWS {
    /// The account a cloud key lives in unless its creation names another: the standard
    /// inventory's first KMS's, so that a sync of the `kms` KMS finds what a test added.
    package static let account = "123456789012"
    /// At least five regions, as Thales' Terraform tests index the fifth.
    package static let regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"]

    /// A new key's `aws_param`, in the order AWS's DescribeKey and CM print it, with `overrides`
    /// (any member, any value) put over the defaults.
    package static func parameters(
        keyID: String, account: String, region: String, alias: String, createdAt: Timestamp, overrides: [(key: String, value: JSONValue)]
    ) -> [(key: String, value: JSONValue)] {
        let arn = "arn:aws:kms:\(region):\(account):key/\(keyID)"
        let multiRegion = keyID.hasPrefix("mrk-")
        var members: [(key: String, value: JSONValue)] = [
            ("AWSAccountId", .string(account)), ("Arn", .string(arn)), ("KeyID", .string(keyID)),
            ("Alias", .array(alias.isEmpty ? [] : [.string("alias/" + alias)])), ("Description", .string("")), ("Enabled", .bool(true)),
            ("KeyState", .string("Enabled")), ("KeyUsage", .string("ENCRYPT_DECRYPT")), ("KeyManager", .string("CUSTOMER")),
            ("Origin", .string("AWS_KMS")), ("CustomerMasterKeySpec", .string("SYMMETRIC_DEFAULT")), ("KeySpec", .string("SYMMETRIC_DEFAULT")),
            ("EncryptionAlgorithms", .array([.string("SYMMETRIC_DEFAULT")])), ("MultiRegion", .bool(multiRegion)),
            ("Policy", .string(defaultPolicy(account: account))), ("Tags", .array([])), ("KeyRotationEnabled", .bool(false)),
            ("CreationDate", .string(createdAt.description)), ("ValidTo", .string("")), ("ExpirationModel", .string("")),
        ]
        if multiRegion {
            members.append(
                (
                    "MultiRegionConfiguration",
                    .object([
                        ("MultiRegionKeyType", .string("PRIMARY")),
                        ("PrimaryKey", .object([("Arn", .string(arn)), ("Region", .string(region))])), ("ReplicaKeys", .array([])),
                    ])
                ))
        }
        return members.overlaid(by: overrides)
    }

    /// AWS's default key policy for the account, as the JSON string KMS returns.
    static func defaultPolicy(account: String) -> String {
        #"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::"#
            + account + #":root"},"Action":"kms:*","Resource":"*"}]}"#
    }
}
