/// What is wrong with something a client sent (a body, a parameter, a fixture's member), in words
/// that name it. The core knows nothing of HTTP or CM's codes: the edge maps each case to CM's
/// envelope (`APIError(_:)`), and the fixture reader to a problem at a position.
package enum InputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input as a whole is malformed.
    case badRequest(String)
    /// One named parameter or member has a wrong value; `why` says what is wrong.
    case invalidParameter(String, String)
    /// The input names something that does not exist.
    case notFound(String)
    /// The input contradicts what is stored.
    case conflict(String)

    package var description: String {
        switch self {
        case .badRequest(let message), .notFound(let message), .conflict(let message): message
        case .invalidParameter(let name, let why): "Invalid value for parameter \"\(name)\": \(why)"
        }
    }

    /// The members of a JSON object body, in order, or why there are none: empty, not JSON, not an
    /// object, or a key given twice (named, as any other bad parameter).
    package static func objectMembers(of body: [UInt8]) throws(InputError) -> [(key: String, value: JSONValue)] {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            if let key = error.repeatedKey { throw .invalidParameter(key, "given more than once") }
            throw .badRequest(body.isEmpty ? "Request body is empty; expected a JSON object" : "Request body is not valid JSON: \(error)")
        }
        guard let members = document.objectValue else { throw .badRequest("Request body must be a JSON object, got \(document.typeName)") }
        return members
    }
}
