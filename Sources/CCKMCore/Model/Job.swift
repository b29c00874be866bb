/// A CCKM job as the API shows it, plus the two things the API does not show: its family and the
/// tenant (CM domain) it belongs to.
public struct Job: Sendable, Equatable {
    /// Jobs are filed under the domain's name; the root domain is always there.
    public static let rootDomain = "root"

    public var family: JobFamily
    public var domain: String
    public var id: String
    package var uri: String
    public var account: String
    package var application: String
    package var devAccount: String
    package var createdAt: Timestamp
    package var updatedAt: Timestamp
    /// Absent while the job runs.
    package var completedAt: Timestamp?
    public var status: JobStatus
    /// Target → message, in the order targets were listed; nil prints no `detailed_status` at all.
    package var detailedStatus: [TargetStatus]?
    package var cloud: String
    /// One list per `family.targetFields`, same order.
    public var targets: [[String]]
    package var abort: Bool

    public struct TargetStatus: Sendable, Equatable {
        public var target: String
        public var message: String

        package init(target: String, message: String) {
            self.target = target
            self.message = message
        }
    }

    public init(
        family: JobFamily, domain: String = Job.rootDomain, id: String, createdAt: Timestamp, updatedAt: Timestamp? = nil,
        completedAt: Timestamp? = nil, status: JobStatus = .inProgress, detailedStatus: [TargetStatus]? = nil,
        targets: [[String]], abort: Bool = false
    ) {
        self.family = family
        self.domain = domain
        self.id = id
        self.uri = "kylo:kylo:cckm:synchronize:" + id
        self.account = "kylo:kylo:admin:accounts:kylo"
        self.application = "ncryptify:gemalto:admin:apps:kylo"
        self.devAccount = "ncryptify:gemalto:admin:accounts:gemalto"
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.completedAt = completedAt
        self.status = status
        self.detailedStatus = detailedStatus
        self.cloud = family.cloud
        self.targets = targets
        self.abort = abort
    }

    /// The values the family's list filter matches (`kms` for AWS, `key_vaults` for Azure, ...).
    package var filterValues: [String] {
        family.targetFields.firstIndex(of: family.filterField).map { targets[$0] } ?? []
    }

    /// The job as one fixture line: its family and domain, then the API's fields.
    public var fixtureLine: String {
        "{\"family\":\"\(family.name)\",\"domain\":" + JSONValue.string(domain).jsonText + "," + json.dropFirst()
    }

    /// The job object's JSON, fields in the order the Thales docs print them.
    public var json: String {
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        writer.key("id", first: true)
        writer.string(id)
        writer.key("uri")
        writer.string(uri)
        writer.key("account")
        writer.string(account)
        writer.key("application")
        writer.string(application)
        writer.key("devAccount")
        writer.string(devAccount)
        writer.key("createdAt")
        writer.string(createdAt.description)
        writer.key("updatedAt")
        writer.string(updatedAt.description)
        if let completedAt {
            writer.key("completed_at")
            writer.string(completedAt.description)
        }
        writer.key("overall_status")
        writer.string(status.rawValue)
        if let detailedStatus {
            writer.key("detailed_status")
            writer.raw("{")
            for (index, entry) in detailedStatus.enumerated() {
                writer.key(entry.target, first: index == 0)
                writer.string(entry.message)
            }
            writer.raw("}")
        }
        writer.key("cloud")
        writer.string(cloud)
        for (field, values) in zip(family.targetFields, targets) {
            writer.key(field)
            writer.stringArray(values)
        }
        writer.key("abort")
        writer.raw(abort ? "true" : "false")
        writer.raw("}")
        return writer.text
    }
}
