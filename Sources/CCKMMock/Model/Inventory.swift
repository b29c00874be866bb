/// The targets the mock knows per family: what `synchronize_all` expands to, and the facts that
/// shape `detailed_status` keys (an AWS KMS's account and regions, an Azure vault's location).
/// Fixtures will be able to replace it; any target is accepted whether listed or not.
public struct Inventory: Sendable, Equatable {
    public struct AWSKMS: Sendable, Equatable {
        public var name: String
        public var account: String
        public var regions: [String]
    }

    /// Targets per family name, in the order `synchronize_all` lists them.
    public var targets: [String: [String]]
    public var awsKMS: [AWSKMS]
    /// Azure vault → location (region), the prefix of its `detailed_status` key.
    public var azureLocations: [String: String]

    public static let standard: Inventory = {
        let kms = [
            AWSKMS(name: "kms", account: "123456789012", regions: ["ap-south-1", "us-east-1", "eu-west-1"]),
            AWSKMS(name: "kms-prod", account: "210987654321", regions: ["us-east-1", "us-west-2"]),
        ]
        let vaults = ["keyvault-softkeys::12e533dd-b5c2-4e58-a264-0cd812dc5a34", "keyvault-hsm::5b0c6f51-7f0a-4f61-9a1d-2c4b7e8d9f10"]
        let domains = ["3e732d57-5ea1-491f-b238-9f4a39a9566f", "c4e5bd34-af39-4027-9058-6f1a4bb3519d"]
        return Inventory(
            targets: [
                "aws": kms.map(\.name), "aws-custom-key-stores": ["kms"], "azure": vaults, "azure-certificates": vaults,
                "azure-secrets": vaults, "google": ["ring-1", "ring-2"], "oci": ["vault-1", "vault-2"],
                "sap": ["742f9921-2d91-41fc-97fc-e98ad007f081", "8a1d3c5e-7f90-4b2a-9c4d-6e8f0a1b2c3d"],
                "sfdc-keys": ["00DB000000040bIMAQ", "00DB000000051cJNBR"], "sfdc-certificates": ["00DB000000040bIMAQ", "00DB000000051cJNBR"],
                "luna-synchronize": ["partition-1", "partition-2"], "luna-refresh": ["partition-1", "partition-2"], "dsm": domains,
                "external-cm": domains,
            ],
            awsKMS: kms,
            azureLocations: [vaults[0]: "northcentralus", vaults[1]: "westeurope"])
    }()

    func awsKMS(named name: String) -> AWSKMS {
        awsKMS.first { $0.name == name } ?? AWSKMS(name: name, account: Self.accountID(for: name), regions: ["us-east-1"])
    }

    /// A stable 12-digit account id for a KMS the inventory does not list (FNV-1a of its name).
    static func accountID(for name: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let digits = String(hash % 1_000_000_000_000)
        return String(repeating: "0", count: 12 - digits.count) + digits
    }
}
