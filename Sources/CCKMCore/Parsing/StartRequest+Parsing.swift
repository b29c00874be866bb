/// The body of `POST B`, checked field by field into a `StartRequest`.
extension StartRequest {
    package static func parse(body: [UInt8], family: JobFamily) throws(InputError) -> StartRequest {
        let members = try InputError.objectMembers(of: body)
        let targetField = family.bodyTargetField
        let extras = family.extraBodyFields
        var request = StartRequest()
        for (key, value) in members {
            switch key {
            case targetField:
                request.targets = try strings(value, field: key)
            case "synchronize_all":
                guard case .bool(let flag) = value else { throw .invalidParameter(key, "expected a boolean, got \(value.typeName)") }
                request.synchronizeAll = flag
            default:
                switch extras[key] {
                case .strings?:
                    let regions = try strings(value, field: key)
                    // An empty list would make a job with no targets, which could never finish.
                    guard !regions.isEmpty else { throw .invalidParameter(key, "must name at least one value, or be left out") }
                    request.regions = regions
                case .boolean?:
                    guard case .bool = value else { throw .invalidParameter(key, "expected a boolean, got \(value.typeName)") }
                case nil:
                    let known = ([targetField, "synchronize_all"] + extras.keys.sorted()).joined(separator: ", ")
                    throw .invalidParameter(key, "unknown field (known: \(known))")
                }
            }
        }
        if request.synchronizeAll && !request.targets.isEmpty {
            throw .badRequest("\"\(targetField)\" and \"synchronize_all\" are mutually exclusive; give one of them")
        }
        if !request.synchronizeAll && request.targets.isEmpty {
            throw .badRequest("Give the targets in \"\(targetField)\", or \"synchronize_all\": true")
        }
        return request
    }

    private static func strings(_ value: JSONValue, field: String) throws(InputError) -> [String] {
        guard let items = value.arrayValue else { throw .invalidParameter(field, "expected an array of strings, got \(value.typeName)") }
        guard items.count <= ListQuery.maxFilterValues else { throw .invalidParameter(field, "more than \(ListQuery.maxFilterValues) values") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue, !text.isEmpty else {
                throw .invalidParameter(field, "item \(index) must be a non-empty string, got \(item.stringValue == nil ? item.typeName : "\"\"")")
            }
            if !result.contains(text) { result.append(text) }
        }
        return result
    }
}
