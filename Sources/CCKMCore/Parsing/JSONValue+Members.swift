extension JSONValue {
    /// A 400 naming the first member of this object that is not one of `known`.
    package func rejectUnknownMembers(known: [String]) throws(InputError) {
        for member in objectValue ?? [] where !known.contains(member.key) {
            throw .invalidParameter(member.key, "unknown field (known: \(known.joined(separator: ", ")))")
        }
    }

    /// A member of a request body that must be a string when present; nil when absent, a 400
    /// naming the member when it has another type.
    package func optionalString(_ name: String) throws(InputError) -> String? {
        guard let value = self[name] else { return nil }
        guard let text = value.stringValue else { throw .invalidParameter(name, "expected a string, got \(value.typeName)") }
        return text
    }
}
