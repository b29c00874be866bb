/// One of the 14 kinds of CCKM job, and every fact the mock knows about it, in one row of `all`:
/// where its endpoints live, the `cloud` its jobs name, their target lists and the list filter,
/// what a start request names, the words its jobs report, how its `detailed_status` keys are made,
/// its label, the scheduler's name for its cloud and the targets `synchronize_all` stands for.
/// Nothing else switches on a family's name: code reads these fields, and `openapi.yaml`,
/// `fixtures/schema.json` and the dashboard are made from them (`cckm-mock families --json`).
/// See docs/api.md.
public struct JobFamily: Sendable, Hashable, CustomStringConvertible {
    /// Short stable name used in fixtures, the store and the control API (`aws`, `sfdc-keys`, ...).
    public let name: String
    /// Path under `/api/v1/cckm/`, without slashes at either end.
    package let basePath: String
    package let cloud: String
    /// Target lists of the job object, in the order the docs print them.
    package let targetFields: [String]
    /// Query parameter that filters the list by target.
    package let filterParameter: String
    /// Which of `targetFields` that filter matches.
    package let filterField: String
    /// The body field that lists targets in `POST B` (`kms`, `organization_ids`, `key_vaults`, ...).
    package let bodyTargetField: String
    /// Optional body fields besides the target list and `synchronize_all`, with their JSON type.
    package let extraBodyFields: [String: ExtraField]
    /// `detailed_status` message of a target that finished well (docs/api.md).
    package let successMessage: String
    /// A realistic cloud error for a target that failed; `{target}` is the target, `{region}` the
    /// part of its key after the last `/`.
    package let failureTemplate: String
    /// How `detailed_status` keys are made from the targets.
    package let keyShape: KeyShape
    /// What the dashboard calls it.
    public let label: String
    /// `cloud_name` in a CM scheduler configuration that runs this family's job, if one does.
    package let schedulerCloud: String?
    /// The fake cloud whose keys a completed target of this family brings into CM's inventory.
    package let keysCloud: CloudKey.Cloud?
    /// The targets `synchronize_all` stands for when no fixture lists them.
    package let standardTargets: [String]

    package enum ExtraField: Sendable, Hashable {
        case strings, boolean
    }

    package enum KeyShape: Sendable, Hashable {
        /// The target itself.
        case target
        /// `<account>/<region>` for each region of each KMS.
        case awsAccountRegion
        /// `<location>/<vault>`.
        case azureLocationVault
    }

    public var description: String { name }

    public static func == (lhs: JobFamily, rhs: JobFamily) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    private static let kms = ["kms", "kms-prod"]
    private static let vaults = ["keyvault-softkeys::12e533dd-b5c2-4e58-a264-0cd812dc5a34", "keyvault-hsm::5b0c6f51-7f0a-4f61-9a1d-2c4b7e8d9f10"]
    private static let organizations = ["00DB000000040bIMAQ", "00DB000000051cJNBR"]
    private static let partitions = ["partition-1", "partition-2"]
    private static let domains = ["3e732d57-5ea1-491f-b238-9f4a39a9566f", "c4e5bd34-af39-4027-9058-6f1a4bb3519d"]
    private static let awsFailure = "AccessDeniedException: User is not authorized to perform: kms:ListKeys in region {region}"
    private static let azureFailure =
        "keyvault.BaseClient#GetKeys: Failure responding to request: StatusCode=403 -- Original Error: Code=\"Forbidden\""
    private static let sfdcFailure = "Error listing keys from SFDC: INVALID_SESSION_ID: Session expired or invalid"
    private static let lunaFailure = "partition {target} is not reachable: CKR_TOKEN_NOT_PRESENT"
    private static let domainFailure = "domain {target} is not reachable: connection refused"

    public static let all: [JobFamily] = [
        JobFamily(
            name: "aws", label: "AWS keys", basePath: "aws/synchronization-jobs", cloud: "aws", targetFields: ["regions", "kms"], filter: "kms",
            extras: ["regions": .strings], success: "region synchronized successfully", failure: awsFailure, keys: .awsAccountRegion,
            scheduler: "aws", keysFrom: .aws, standard: kms),
        JobFamily(
            name: "aws-custom-key-stores", label: "AWS custom key stores", basePath: "aws/custom-key-stores/synchronization-jobs", cloud: "aws",
            targetFields: ["regions", "kms"], filter: "kms", extras: ["regions": .strings], success: "region synchronized successfully",
            failure: awsFailure, keys: .awsAccountRegion, standard: ["kms"]),
        // Thales' own clients send `take_cloud_key_backup` for every Azure scope, not only keys.
        JobFamily(
            name: "azure", label: "Azure keys", basePath: "azure/synchronization-jobs", cloud: "AzureCloud", targetFields: ["key_vaults"],
            extras: ["take_cloud_key_backup": .boolean], success: "vault synchronized successfully", failure: azureFailure,
            keys: .azureLocationVault, scheduler: "AzureCloud", keysFrom: .azure, standard: vaults),
        JobFamily(
            name: "azure-certificates", label: "Azure certificates", basePath: "azure/certificates/synchronization-jobs", cloud: "AzureCloud",
            targetFields: ["key_vaults"], extras: ["take_cloud_key_backup": .boolean], success: "vault synchronized successfully",
            failure: azureFailure, keys: .azureLocationVault, keysFrom: .azureCertificate, standard: vaults),
        JobFamily(
            name: "azure-secrets", label: "Azure secrets", basePath: "azure/secrets/synchronization-jobs", cloud: "AzureCloud",
            targetFields: ["key_vaults"], extras: ["take_cloud_key_backup": .boolean], success: "vault synchronized successfully",
            failure: azureFailure, keys: .azureLocationVault, keysFrom: .azureSecret, standard: vaults),
        JobFamily(
            name: "google", label: "Google Cloud", basePath: "google/synchronization-jobs", cloud: "gcp", targetFields: ["key_rings"],
            success: "key ring synchronized successfully",
            failure: "googleapi: Error 403: Permission 'cloudkms.cryptoKeys.list' denied on resource '{target}', forbidden", scheduler: "gcp",
            keysFrom: .google, standard: ["ring-1", "ring-2"]),
        JobFamily(
            name: "oci", label: "Oracle OCI", basePath: "oci/synchronization-jobs", cloud: "oci", targetFields: ["vaults"],
            success: "vault synchronized successfully",
            failure: "Error returned by KeyManagement Service. Http Status Code: 401. Error Code: NotAuthenticated", scheduler: "oci",
            keysFrom: .oci, standard: ["vault-1", "vault-2"]),
        JobFamily(
            name: "sap", label: "SAP Data Custodian", basePath: "sap/synchronization-jobs", cloud: "sap", targetFields: ["groups"],
            success: "group synchronized successfully", failure: "failed to list keys of group {target}: 403 Forbidden", scheduler: "sap",
            standard: ["742f9921-2d91-41fc-97fc-e98ad007f081", "8a1d3c5e-7f90-4b2a-9c4d-6e8f0a1b2c3d"]),
        JobFamily(
            name: "sfdc-keys", label: "Salesforce keys", basePath: "sfdc/keys/synchronization-jobs", cloud: "sfdc", targetFields: ["kms"],
            filter: "kms", parameter: "organizations", body: "organization_ids", success: "organization synchronized successfully",
            failure: sfdcFailure, scheduler: "sfdc", standard: organizations),
        JobFamily(
            name: "sfdc-certificates", label: "Salesforce certificates", basePath: "sfdc/certificates/synchronization-jobs", cloud: "sfdc",
            targetFields: ["kms"], filter: "kms", parameter: "organizations", body: "organization_ids",
            success: "organization synchronized successfully", failure: sfdcFailure, standard: organizations),
        JobFamily(
            name: "luna-synchronize", label: "Luna HSM sync", basePath: "hsm/luna/synchronize", cloud: "luna", targetFields: ["partitions"],
            success: "partition synchronized successfully", failure: lunaFailure, scheduler: "hsm-luna", standard: partitions),
        JobFamily(
            name: "luna-refresh", label: "Luna HSM refresh", basePath: "hsm/luna/refresh", cloud: "luna", targetFields: ["partitions"],
            success: "partition synchronized successfully", failure: lunaFailure, standard: partitions),
        JobFamily(
            name: "dsm", label: "DSM refresh", basePath: "dsm/refresh", cloud: "dsm", targetFields: ["domains"],
            success: "domain synchronized successfully", failure: domainFailure, scheduler: "dsm", standard: domains),
        JobFamily(
            name: "external-cm", label: "External CM refresh", basePath: "external-cm/refresh", cloud: "externalCM", targetFields: ["domains"],
            success: "domain synchronized successfully", failure: domainFailure, standard: domains),
    ]

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    private static let byBasePath = Dictionary(uniqueKeysWithValues: all.map { ($0.basePath, $0) })
    private static let bySchedulerCloud = Dictionary(uniqueKeysWithValues: all.compactMap { family in family.schedulerCloud.map { ($0, family) } })

    public static func named(_ name: String) -> JobFamily? { byName[name] }

    /// What to say of a name that is no family: `unknown family "gcp"; did you mean "google"?`,
    /// with the known names when nothing is close.
    public static func unknown(_ name: String) -> String {
        if let guess = suggestion(for: name) { return "unknown family \"\(name)\"; did you mean \"\(guess)\"?" }
        return "unknown family \"\(name)\" (known: \(all.map(\.name).joined(separator: ", ")))"
    }

    /// A family for a name clients and clouds use (`gcp`, `salesforce`, `luna`), or one a typo away.
    static func suggestion(for name: String) -> String? {
        let lowered = name.lowercased()
        let aliases = [
            "gcp": "google", "gcloud": "google", "google-cloud": "google", "salesforce": "sfdc-keys", "sfdc": "sfdc-keys",
            "luna": "luna-synchronize", "hsm": "luna-synchronize", "azure-keys": "azure", "aws-keys": "aws", "kms": "aws",
            "oracle": "oci", "cm": "external-cm", "ciphertrust": "external-cm",
        ]
        if let alias = aliases[lowered], named(alias) != nil { return alias }
        if let exact = all.first(where: { $0.name == lowered }) { return exact.name }
        let scored = all.map { ($0.name, editDistance(lowered, $0.name)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(1, best.count / 3) else { return nil }
        return best
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let (a, b) = (Array(a.utf8), Array(b.utf8))
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let kept = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = kept
            }
        }
        return row[b.count]
    }
    public static func at(basePath: String) -> JobFamily? { byBasePath[basePath] }
    /// The family a scheduler configuration's `cloud_name` runs.
    package static func scheduled(cloud: String) -> JobFamily? { bySchedulerCloud[cloud] }

    /// A realistic cloud error for a failed target (its `detailed_status` key).
    package func failureMessage(target: String) -> String {
        failureTemplate.replacingAll("{target}", with: target).replacingAll(
            "{region}", with: String(target.split(separator: "/").last ?? ""))
    }

    /// A family whose filter parameter and filtered field default to its only target list, and
    /// whose start body names its targets like the filtered field.
    private init(
        name: String, label: String, basePath: String, cloud: String, targetFields: [String], filter: String? = nil, parameter: String? = nil,
        body: String? = nil, extras: [String: ExtraField] = [:], success: String, failure: String, keys: KeyShape = .target,
        scheduler: String? = nil, keysFrom keysCloud: CloudKey.Cloud? = nil, standard: [String]
    ) {
        self.name = name
        self.label = label
        self.basePath = basePath
        self.cloud = cloud
        self.targetFields = targetFields
        self.filterField = filter ?? targetFields[0]
        self.filterParameter = parameter ?? filterField
        self.bodyTargetField = body ?? filterField
        self.extraBodyFields = extras
        self.successMessage = success
        self.failureTemplate = failure
        self.keyShape = keys
        self.schedulerCloud = scheduler
        self.keysCloud = keysCloud
        self.standardTargets = standard
    }
}

extension String {
    /// Every occurrence of `pattern` replaced (no Foundation in this module's hot paths).
    fileprivate func replacingAll(_ pattern: String, with replacement: String) -> String {
        guard contains(pattern) else { return self }
        return split(separator: pattern, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

extension JobFamily {
    /// The table as JSON, for the generators (`scripts/gen-openapi`) and anyone who wants to read it.
    public static var tableJSON: String {
        JSONValue.array(
            all.map { family in
                .object([
                    ("name", .string(family.name)), ("label", .string(family.label)), ("basePath", .string(family.basePath)),
                    ("cloud", .string(family.cloud)), ("targetFields", .array(family.targetFields.map(JSONValue.string))),
                    ("filterParameter", .string(family.filterParameter)), ("filterField", .string(family.filterField)),
                    ("bodyTargetField", .string(family.bodyTargetField)),
                    (
                        "extraBodyFields",
                        .object(
                            family.extraBodyFields.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value == .strings ? "strings" : "boolean")) })
                    ),
                    ("successMessage", .string(family.successMessage)), ("schedulerCloud", family.schedulerCloud.map(JSONValue.string) ?? .null),
                ])
            }
        ).jsonText
    }
}
