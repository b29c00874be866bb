/// A test's `POST` or `PATCH /__admin/cloud/aws/keys[/{KeyId}]` body: where the key lives, its
/// alias and any `aws_param` member to put over the defaults (`{"KeyState": "PendingDeletion"}`).
package struct CloudKeyRequest: Sendable {
    package var account: String?
    package var region: String?
    package var alias: String?
    /// `aws_param` members, as AWS spells them.
    package var parameters: [(key: String, value: JSONValue)] = []

    package static let members = ["region", "account_id", "alias", "parameters"]

    /// A creation names the region; a change may not move the key (400 naming the member).
    package static func parse(_ body: [UInt8], creating: Bool) throws(InputError) -> CloudKeyRequest {
        let fields = JSONValue.object(try InputError.objectMembers(of: body))
        try fields.rejectUnknownMembers(known: members)
        var request = CloudKeyRequest()
        request.region = try fields.optionalString("region")
        request.account = try fields.optionalString("account_id")
        request.alias = try fields.optionalString("alias")
        if creating {
            guard let region = request.region, isName(region) else {
                throw .invalidParameter("region", "the AWS region the key lives in, such as us-east-1, is required")
            }
            if let account = request.account, account.count != 12 || !account.allSatisfy(\.isASCIIDigit) {
                throw .invalidParameter("account_id", "\"\(account)\" is not a 12-digit AWS account id")
            }
        } else if request.region != nil || request.account != nil {
            throw .invalidParameter(request.region != nil ? "region" : "account_id", "a key cannot move; delete it and add another")
        }
        if let alias = request.alias, alias.hasPrefix("alias/") { request.alias = String(alias.dropFirst(6)) }
        if let alias = request.alias, !alias.isEmpty, !isName(alias) {
            throw .invalidParameter("alias", "\"\(alias)\" is not an alias AWS would take (letters, digits, /, _ and -)")
        }
        if let parameters = fields["parameters"] {
            guard let members = parameters.objectValue else {
                throw .invalidParameter("parameters", "expected an object of aws_param members, got \(parameters.typeName)")
            }
            for fixed in ["AWSAccountId", "Arn", "KeyID", "Alias", "CreationDate"] where members.contains(where: { $0.key == fixed }) {
                throw .invalidParameter("parameters", "\(fixed) follows from the key's place, id and alias; it cannot be set")
            }
            request.parameters = members
        }
        return request
    }

    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 256 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/_-".contains($0)) }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
