/// One of the 14 kinds of CCKM job: where its endpoints live, which `cloud` its jobs name, which
/// target lists they carry, and which list the `GET` filter matches. See API-CONTRACT.md.
public struct JobFamily: Sendable, Hashable, CustomStringConvertible {
    /// Short stable name used in fixtures, the store and the control API (`aws`, `sfdc-keys`, ...).
    public let name: String
    /// Path under `/api/v1/cckm/`, without slashes at either end.
    public let basePath: String
    public let cloud: String
    /// Target lists of the job object, in the order the docs print them.
    public let targetFields: [String]
    /// Query parameter that filters the list by target.
    public let filterParameter: String
    /// Which of `targetFields` that filter matches.
    public let filterField: String

    public var description: String { name }

    public static let all: [JobFamily] = [
        JobFamily(name: "aws", basePath: "aws/synchronization-jobs", cloud: "aws", targetFields: ["regions", "kms"], filter: "kms"),
        JobFamily(
            name: "aws-custom-key-stores", basePath: "aws/custom-key-stores/synchronization-jobs", cloud: "aws",
            targetFields: ["regions", "kms"], filter: "kms"),
        JobFamily(name: "azure", basePath: "azure/synchronization-jobs", cloud: "AzureCloud", targetFields: ["key_vaults"]),
        JobFamily(
            name: "azure-certificates", basePath: "azure/certificates/synchronization-jobs", cloud: "AzureCloud",
            targetFields: ["key_vaults"]),
        JobFamily(name: "azure-secrets", basePath: "azure/secrets/synchronization-jobs", cloud: "AzureCloud", targetFields: ["key_vaults"]),
        JobFamily(name: "google", basePath: "google/synchronization-jobs", cloud: "gcp", targetFields: ["key_rings"]),
        JobFamily(name: "oci", basePath: "oci/synchronization-jobs", cloud: "oci", targetFields: ["vaults"]),
        JobFamily(name: "sap", basePath: "sap/synchronization-jobs", cloud: "sap", targetFields: ["groups"]),
        JobFamily(
            name: "sfdc-keys", basePath: "sfdc/keys/synchronization-jobs", cloud: "sfdc", targetFields: ["kms"], filter: "kms",
            parameter: "organizations"),
        JobFamily(
            name: "sfdc-certificates", basePath: "sfdc/certificates/synchronization-jobs", cloud: "sfdc", targetFields: ["kms"],
            filter: "kms", parameter: "organizations"),
        JobFamily(name: "luna-synchronize", basePath: "hsm/luna/synchronize", cloud: "luna", targetFields: ["partitions"]),
        JobFamily(name: "luna-refresh", basePath: "hsm/luna/refresh", cloud: "luna", targetFields: ["partitions"]),
        JobFamily(name: "dsm", basePath: "dsm/refresh", cloud: "dsm", targetFields: ["domains"]),
        JobFamily(name: "external-cm", basePath: "external-cm/refresh", cloud: "externalCM", targetFields: ["domains"]),
    ]

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    private static let byBasePath = Dictionary(uniqueKeysWithValues: all.map { ($0.basePath, $0) })

    public static func named(_ name: String) -> JobFamily? { byName[name] }
    public static func at(basePath: String) -> JobFamily? { byBasePath[basePath] }

    /// A family whose filter parameter and filtered field default to its only target list.
    private init(name: String, basePath: String, cloud: String, targetFields: [String], filter: String? = nil, parameter: String? = nil) {
        self.name = name
        self.basePath = basePath
        self.cloud = cloud
        self.targetFields = targetFields
        self.filterField = filter ?? targetFields[0]
        self.filterParameter = parameter ?? filterField
    }
}
