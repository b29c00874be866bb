/// The targets the mock knows per family: what `synchronize_all` expands to, and the facts that
/// shape `detailed_status` keys (an AWS KMS's account and regions, an Azure vault's location).
/// Fixtures will be able to replace it; any target is accepted whether listed or not.
package struct Inventory: Sendable, Equatable {
    package struct AWSKMS: Sendable, Equatable {
        package var name: String
        package var account: String
        package var regions: [String]

        package init(name: String, account: String, regions: [String]) {
            self.name = name
            self.account = account
            self.regions = regions
        }
    }

    /// Targets per family name, in the order `synchronize_all` lists them.
    package var targets: [String: [String]]
    package var awsKMS: [AWSKMS]
    /// Azure vault → location (region), the prefix of its `detailed_status` key.
    package var azureLocations: [String: String]

    package static let standard: Inventory = {
        // The targets come from the family table; the facts that shape keys (accounts, regions,
        // locations) are the inventory's.
        let kms = [
            AWSKMS(name: "kms", account: "123456789012", regions: ["ap-south-1", "us-east-1", "eu-west-1"]),
            AWSKMS(name: "kms-prod", account: "210987654321", regions: ["us-east-1", "us-west-2"]),
        ]
        let vaults = JobFamily.all.first { $0.keyShape == .azureLocationVault }?.standardTargets ?? []
        return Inventory(
            targets: Dictionary(uniqueKeysWithValues: JobFamily.all.map { ($0.name, $0.standardTargets) }), awsKMS: kms,
            azureLocations: Dictionary(uniqueKeysWithValues: zip(vaults, ["northcentralus", "westeurope"])))
    }()

    package func awsKMS(named name: String) -> AWSKMS {
        awsKMS.first { $0.name == name } ?? AWSKMS(name: name, account: Self.accountID(for: name), regions: ["us-east-1"])
    }

    /// A stable 12-digit account id for a KMS the inventory does not list (FNV-1a of its name).
    package static func accountID(for name: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let digits = String(hash % 1_000_000_000_000)
        return String(repeating: "0", count: 12 - digits.count) + digits
    }

    /// The KMS of `job` (an AWS job: its `kms` list) whose account a finished target's
    /// `<account>/<region>` key names; the first of the list when none does.
    package func awsKMSName(forTarget target: String, of job: Job) -> String? {
        let names = job.targets.last ?? []
        let account = target.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return names.first { awsKMS(named: $0).account == account } ?? names.first
    }
}
