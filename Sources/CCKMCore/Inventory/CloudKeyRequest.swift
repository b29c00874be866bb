/// A test's `POST` or `PATCH /__admin/cloud/<cloud>/<collection>[/{id}]` body: where the record
/// lives (AWS: `region` and `account_id`; Azure and OCI: `vault`; Google: `key_ring`), its alias or
/// name, and any parameter to put over the defaults (`{"KeyState": "PendingDeletion"}`).
package struct CloudKeyRequest: Sendable {
    package var container: String?
    package var account: String?
    /// AWS: the alias (without `alias/`); elsewhere the name.
    package var name: String?
    /// The cloud's parameters, as the cloud spells them.
    package var parameters: [(key: String, value: JSONValue)] = []

    package static func members(_ cloud: CloudKey.Cloud) -> [String] {
        cloud == .aws ? ["region", "account_id", "alias", "parameters"] : [cloud.containerMember, "name", "parameters"]
    }

    /// Parameters that follow from the record's place, id and name.
    static func fixedParameters(_ cloud: CloudKey.Cloud) -> [String] {
        switch cloud {
        case .aws: ["AWSAccountId", "Arn", "KeyID", "Alias", "CreationDate"]
        case .azure: ["key"]
        case .azureSecret, .azureCertificate: ["id"]
        case .google: ["name"]
        case .oci: ["key_id", "display_name", "vault_name"]
        }
    }

    /// A creation names the container (and, but for AWS, the name); a change may not move the
    /// record or rename it elsewhere than AWS (400 naming the member).
    package static func parse(_ body: [UInt8], cloud: CloudKey.Cloud, creating: Bool) throws(InputError) -> CloudKeyRequest {
        let fields = JSONValue.object(try InputError.objectMembers(of: body))
        try fields.rejectUnknownMembers(known: members(cloud))
        var request = CloudKeyRequest()
        request.container = try fields.optionalString(cloud.containerMember)
        request.account = cloud == .aws ? try fields.optionalString("account_id") : nil
        request.name = try fields.optionalString(cloud == .aws ? "alias" : "name")
        if creating {
            try checkPlace(request, cloud)
        } else if request.container != nil || request.account != nil {
            throw .invalidParameter(request.container != nil ? cloud.containerMember : "account_id", "a key cannot move; delete it and add another")
        } else if cloud != .aws, request.name != nil {
            throw .invalidParameter("name", "a \(cloud.label) key keeps its name; delete it and add another")
        }
        if cloud == .aws, let alias = request.name, alias.hasPrefix("alias/") { request.name = String(alias.dropFirst(6)) }
        if cloud == .aws, let alias = request.name, !alias.isEmpty, !isName(alias) || alias.contains(".") {
            throw .invalidParameter("alias", "\"\(alias)\" is not an alias AWS would take (letters, digits, /, _ and -)")
        }
        if let parameters = fields["parameters"] {
            guard let members = parameters.objectValue else {
                throw .invalidParameter("parameters", "expected an object of the cloud's parameters, got \(parameters.typeName)")
            }
            for fixed in fixedParameters(cloud) where members.contains(where: { $0.key == fixed }) {
                throw .invalidParameter("parameters", "\(fixed) follows from the key's place, id and name; it cannot be set")
            }
            request.parameters = members
        }
        return request
    }

    private static func checkPlace(_ request: CloudKeyRequest, _ cloud: CloudKey.Cloud) throws(InputError) {
        let member = cloud.containerMember
        guard let container = request.container, isName(container) || (cloud != .aws && isVaultName(container)) else {
            let example =
                switch cloud {
                case .aws: "the AWS region the key lives in, such as us-east-1,"
                case .google: "the key ring as syncs name it (ring-1, or projects/<p>/locations/<l>/keyRings/<r>)"
                default: "the vault as syncs name it (keyvault-softkeys::<subscription>, vault-1)"
                }
            throw .invalidParameter(member, "\(example) is required")
        }
        if let account = request.account, account.count != 12 || !account.allSatisfy(\.isASCIIDigit) {
            throw .invalidParameter("account_id", "\"\(account)\" is not a 12-digit AWS account id")
        }
        if cloud != .aws {
            guard let name = request.name, isName(name), !name.contains("/") else {
                throw .invalidParameter("name", "the key's name is required (letters, digits, _ and -)")
            }
        }
    }

    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 256 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/_-.".contains($0)) }
    }

    /// An Azure vault as CM names it, `<vault>::<subscription>`.
    private static func isVaultName(_ text: String) -> Bool {
        let parts = text.components(separatedBy: "::")
        return parts.count == 2 && parts.allSatisfy(isName)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
