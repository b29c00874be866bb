/// What a client creates before an AWS sync, as Thales' Terraform provider creates it: a
/// connection (`/api/v1/connectionmgmt/services/aws/connections`) and a KMS container
/// (`/api/v1/cckm/aws/kms`) naming it. Any credentials are accepted and none is kept or echoed.
package struct AWSConnection: Sendable, Equatable {
    package var id: String
    package var name: String
    package var description: String
    package var region: String
    package var cloudName: String
    package var products: [String]
    package var createdAt: Timestamp

    /// The members a creation may have besides `name` and `products`, each a string.
    package static let strings = [
        "description", "access_key_id", "secret_access_key", "aws_region", "cloud_name", "assume_role_arn", "assume_role_external_id",
    ]

    /// Reads a creation; `id` and `createdAt` come from the engine.
    package static func parse(_ body: [UInt8], id: String, at now: Timestamp) throws(InputError) -> AWSConnection {
        let fields = JSONValue.object(try InputError.objectMembers(of: body))
        try fields.rejectUnknownMembers(known: ["name", "products"] + strings)
        for member in strings { _ = try fields.optionalString(member) }
        guard let name = try fields.optionalString("name"), !name.isEmpty else {
            throw .invalidParameter("name", "the connection's name is required")
        }
        let products = try fields["products"].map { value throws(InputError) -> [String] in
            guard let items = value.arrayValue?.compactMap(\.stringValue), items.count == value.arrayValue?.count else {
                throw .invalidParameter("products", "expected an array of strings, got \(value.typeName)")
            }
            return items
        }
        return AWSConnection(
            id: id, name: name, description: try fields.optionalString("description") ?? "", region: try fields.optionalString("aws_region") ?? "",
            cloudName: try fields.optionalString("cloud_name") ?? "aws", products: products ?? ["cckm"], createdAt: now)
    }

    package var document: String {
        JSONWriter.object([
            ("id", .string(id)), ("uri", .string("kylo:kylo:connectionmgmt:connections:\(name)-\(id)")),
            ("account", .string("kylo:kylo:admin:accounts:kylo")), ("application", .string("ncryptify:gemalto:admin:apps:kylo")),
            ("devAccount", .string("ncryptify:gemalto:admin:accounts:gemalto")), ("name", .string(name)),
            ("createdAt", .string(createdAt.description)),
            ("updatedAt", .string(createdAt.description)), ("service", .string("aws")), ("category", .string("cloud")),
            ("resource_url", .string("")), ("description", .string(description)),
            ("products", .array(products.map { JSONValue.string($0).jsonText })),
            ("cloud_name", .string(cloudName)), ("aws_region", .string(region)), ("last_connection_ok", .null),
            ("last_connection_error", .string("")), ("last_connection_at", .string("")),
        ])
    }
}

/// An AWS KMS container: an account and its regions, named by syncs (`kms`) and by the keys a sync
/// brings (`kms`, `kms_id`).
package struct AWSKMSContainer: Sendable, Equatable {
    package var id: String
    package var name: String
    package var account: String
    /// The connection's name, as CM reads it back.
    package var connection: String
    package var regions: [String]
    package var assumeRoleARN: String
    package var assumeRoleExternalID: String
    package var createdAt: Timestamp

    package static let members = ["name", "account_id", "connection", "regions", "assume_role_arn", "assume_role_external_id"]

    /// Reads a creation; the connection (given by name or id) is resolved by the caller to its name.
    package static func parse(_ body: [UInt8], id: String, at now: Timestamp) throws(InputError) -> AWSKMSContainer {
        let fields = JSONValue.object(try InputError.objectMembers(of: body))
        try fields.rejectUnknownMembers(known: members)
        guard let name = try fields.optionalString("name"), !name.isEmpty else { throw .invalidParameter("name", "the KMS's name is required") }
        guard let account = try fields.optionalString("account_id"), account.count == 12, account.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidParameter("account_id", "a 12-digit AWS account id is required (POST /api/v1/cckm/aws/accounts gives it)")
        }
        guard let connection = try fields.optionalString("connection"), !connection.isEmpty else {
            throw .invalidParameter("connection", "the name or id of an AWS connection is required")
        }
        guard let list = fields["regions"]?.arrayValue, !list.isEmpty, list.allSatisfy({ $0.stringValue?.isEmpty == false }) else {
            throw .invalidParameter("regions", "a non-empty array of AWS regions is required")
        }
        return AWSKMSContainer(
            id: id, name: name, account: account, connection: connection, regions: list.compactMap(\.stringValue).uniqued(),
            assumeRoleARN: try fields.optionalString("assume_role_arn") ?? "",
            assumeRoleExternalID: try fields.optionalString("assume_role_external_id") ?? "", createdAt: now)
    }

    /// The CM id of a KMS no client created (a fixture's or the standard inventory's): made from its name.
    package static func id(forName name: String) -> String { stableUUID("aws-kms", name) }

    package var document: String {
        JSONWriter.object([
            ("id", .string(id)), ("uri", .string("kylo:kylo:cckm:kms:" + id)), ("account", .string("kylo:kylo:admin:accounts:kylo")),
            ("application", .string("ncryptify:gemalto:admin:apps:kylo")), ("devAccount", .string("ncryptify:gemalto:admin:accounts:gemalto")),
            ("createdAt", .string(createdAt.description)), ("updatedAt", .string(createdAt.description)), ("name", .string(name)),
            ("account_id", .string(account)), ("connection", .string(connection)),
            ("regions", .array(regions.map { JSONValue.string($0).jsonText })), ("status", .string("ACTIVE")),
            ("arn", .string("arn:aws:iam::\(account):root")), ("auto_added", .rendered("false")), ("assume_role_arn", .string(assumeRoleARN)),
            ("assume_role_external_id", .string(assumeRoleExternalID)), ("acls", .array([])),
        ])
    }
}
