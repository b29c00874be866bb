/// `cckm-mock fixtures generate N --cloud CLOUD`: N made-up records of the fake cloud as a JSON
/// fixture's `cloud`, spread over the given clouds and over the containers the standard inventory's
/// syncs name (the standard KMS's regions, the standard vaults and key rings), so that a start
/// followed by `synchronize_all` brings every one of them. The same seed gives the same file.
package struct SyntheticCloud {
    /// The fixture's member for each cloud, in the order the file lists them.
    package static let clouds: [(name: String, member: String, cloud: CloudKey.Cloud)] = [
        ("aws", "aws", .aws), ("azure", "azure", .azure), ("azure-secrets", "azure_secrets", .azureSecret),
        ("azure-certificates", "azure_certificates", .azureCertificate), ("google", "google", .google), ("oci", "oci", .oci),
    ]

    let count: Int
    let seed: UInt64
    let chosen: [(name: String, member: String, cloud: CloudKey.Cloud)]
    let synced: Bool

    /// `names`: fixture cloud names from `clouds`, every one when empty.
    package init(count: Int, clouds names: [String], synced: Bool, seed: UInt64 = 1) {
        self.count = count
        self.seed = seed
        self.chosen = names.isEmpty ? Self.clouds : Self.clouds.filter { names.contains($0.name) }
        self.synced = synced
    }

    /// The fixture in pieces of about `chunk` bytes, each handed to `write` with how many records
    /// are written so far.
    package func write(chunk: Int = 1 << 20, _ write: (String, Int) -> Void) {
        var generator = SplitMix64(seed: seed)
        var buffer = "{\"cloud\": {"
        var written = 0
        let standard = Inventory.standard
        let awsKMS = standard.awsKMS.first { $0.account == FakeAWS.account }
        for (index, entry) in chosen.enumerated() {
            let share = count / chosen.count + (index < count % chosen.count ? 1 : 0)
            buffer += (index == 0 ? "" : ",") + "\n  \"\(entry.member)\": ["
            let containers: [String] =
                switch entry.cloud {
                case .aws: awsKMS?.regions ?? FakeAWS.regions
                case .google: standard.targets["google"] ?? []
                case .oci: standard.targets["oci"] ?? []
                case .azure, .azureSecret, .azureCertificate: standard.targets["azure"] ?? []
                }
            for n in 0..<share {
                let container = containers[n % containers.count]
                let id = CloudKey.cloudID(entry.cloud, drawn: randomUUID(using: &generator))
                var members: [(String, JSONPart)]
                if entry.cloud == .aws {
                    members = [("KeyId", .string(id)), ("region", .string(container)), ("alias", .string("generated-\(n)"))]
                } else {
                    members = [("id", .string(id)), (entry.cloud.containerMember, .string(container)), ("name", .string("generated-\(n)"))]
                }
                if synced { members.append(("synced", .rendered("true"))) }
                buffer += (n == 0 ? "\n    " : ",\n    ") + JSONWriter.object(members)
                written += 1
                if buffer.utf8.count >= chunk {
                    write(buffer, written)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            buffer += "\n  ]"
        }
        buffer += "\n}}\n"
        write(buffer, written)
    }
}
