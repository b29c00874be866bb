/// Where the mock and the lab CM answered one probe differently in shape. Codes are stable:
/// baselines and CI filters name them.
package struct ConformDifference: Sendable, Equatable, Hashable {
    package enum Code: String, Sendable, CaseIterable {
        /// Another HTTP status.
        case status
        /// An error envelope with other members, or another `code` or `codeDesc`.
        case envelope
        /// A member the mock sends and the lab CM does not: clients learn to read what CM lacks.
        case onlyInMock = "only-in-mock"
        /// A member the lab CM sends and the mock does not.
        case onlyInLive = "only-in-live"
        /// Another JSON type (`null` against absent included).
        case type
        /// Another string format: a UUID, an RFC 3339 time with other precision, another `kylo:` URI kind.
        case format
        /// A value of an enumerated member the mock never sends.
        case enumValue = "enum"
        /// Another `skip` or `limit` in a page, or a page of another length for the same query.
        case paging
        /// Another `Content-Type`.
        case header

        package var severity: Severity {
            switch self {
            case .onlyInLive, .format, .header: .warning
            default: .error
            }
        }
    }

    package enum Severity: String, Sendable, Comparable, CaseIterable {
        case warning, error
        package static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    package var code: Code
    /// The probe's name: method and path template.
    package var probe: String
    /// The JSON path (`$.resources[].overall_status`), or `status`, or a header's name.
    package var path: String
    package var mock: String
    package var live: String
    /// Known public clients that read this member, when any do.
    package var readBy: [String] = []

    /// The identity a baseline keeps: what differs where, not the values seen this time.
    package var key: String { "\(code.rawValue) \(probe) \(path)" }
}

/// Members that known public clients of CM read, by the last key of their path.
enum ClientReads {
    static let byMember: [String: [String]] = [
        "overall_status": ["Thales' Ansible modules", "Thales' Terraform provider"],
        "id": ["Thales' Ansible modules", "Thales' Terraform provider"],
        "detailed_status": ["Thales' Ansible modules"],
        "resources": ["Thales' Terraform provider (list data sources)"],
        "total": ["Thales' Terraform provider (list data sources)"],
        "job_config_params": ["Thales' Terraform provider (ciphertrust_scheduler)"],
        "jwt": ["Thales' Terraform provider", "Thales' Ansible modules"],
        "refresh_token": ["Thales' Terraform provider"],
        "duration": ["Thales' Terraform provider"],
        "version": ["clients that branch on the CM release"],
    ]

    static func of(_ path: String) -> [String] {
        byMember[Conformance.member(path)] ?? []
    }
}
