/// What each family's start request names, and the words its jobs report per target.
extension JobFamily {
    /// The body field that lists targets in `POST B` (`kms`, `organization_ids`, `key_vaults`, ...).
    public var bodyTargetField: String {
        name.hasPrefix("sfdc") ? "organization_ids" : filterField
    }

    /// Optional body fields besides the target list and `synchronize_all`, with their JSON type.
    var extraBodyFields: [String: ExtraField] {
        switch name {
        case "aws", "aws-custom-key-stores": ["regions": .strings]
        // Thales' own clients send `take_cloud_key_backup` for every Azure scope, not only keys.
        case "azure", "azure-certificates", "azure-secrets": ["take_cloud_key_backup": .boolean]
        default: [:]
        }
    }

    enum ExtraField {
        case strings, boolean
    }

    /// `detailed_status` message of a target that finished well (API-CONTRACT.md).
    public var successMessage: String {
        switch name {
        case "aws", "aws-custom-key-stores": "region synchronized successfully"
        case "google": "key ring synchronized successfully"
        case "dsm", "external-cm": "domain synchronized successfully"
        case "sap": "group synchronized successfully"
        case "sfdc-keys", "sfdc-certificates": "organization synchronized successfully"
        case "luna-synchronize", "luna-refresh": "partition synchronized successfully"
        default: "vault synchronized successfully"
        }
    }

    /// A realistic cloud error for a target that failed.
    public func failureMessage(target: String) -> String {
        switch name {
        case "aws", "aws-custom-key-stores":
            "AccessDeniedException: User is not authorized to perform: kms:ListKeys in region \(target.split(separator: "/").last ?? "")"
        case "azure", "azure-certificates", "azure-secrets":
            "keyvault.BaseClient#GetKeys: Failure responding to request: StatusCode=403 -- Original Error: Code=\"Forbidden\""
        case "google": "googleapi: Error 403: Permission 'cloudkms.cryptoKeys.list' denied on resource '\(target)', forbidden"
        case "oci": "Error returned by KeyManagement Service. Http Status Code: 401. Error Code: NotAuthenticated"
        case "sap": "failed to list keys of group \(target): 403 Forbidden"
        case "sfdc-keys", "sfdc-certificates": "Error listing keys from SFDC: INVALID_SESSION_ID: Session expired or invalid"
        case "luna-synchronize", "luna-refresh": "partition \(target) is not reachable: CKR_TOKEN_NOT_PRESENT"
        default: "domain \(target) is not reachable: connection refused"
        }
    }
}

/// The running message of a target, and the one a cancel leaves on unfinished targets.
public enum TargetMessage {
    public static let inProgress = "in_progress"
    public static let cancelled = "synchronization cancelled"

    /// Both spellings CM has printed for a running target.
    static func isRunning(_ message: String) -> Bool {
        message == inProgress || message == "in progress"
    }
}
