/// A stub in WireMock's mapping format: which requests it answers (`request`) and how
/// (`response`), its `priority` (1 first; 5 when not given, as WireMock's default), `id`/`uuid`,
/// `name`, `metadata`, and the scenario it steps (`scenarioName`, `requiredScenarioState`,
/// `newScenarioState`). Parsed whole or refused: a member the mock does not build is a 400 that
/// names it.
package struct StubMapping: Sendable, Equatable {
    package var id: String
    package var name: String?
    package var priority: Int
    package var request: StubRequestPattern
    package var response: StubResponse
    package var scenario: (name: String, required: String?, next: String?)?
    package var metadata: JSONValue?
    /// The mapping as given, with its id: what the admin API answers with.
    package var document: JSONValue

    package static let defaultPriority = 5

    /// Two mappings are the same when their documents are: every member they were given.
    package static func == (lhs: StubMapping, rhs: StubMapping) -> Bool { lhs.document == rhs.document }
    static let members = [
        "id", "uuid", "name", "priority", "request", "response", "metadata", "persistent", "scenarioName", "requiredScenarioState",
        "newScenarioState", "insertionIndex",
    ]

    /// Reads a mapping; `id` gives one when the mapping has none. `files` resolves
    /// `bodyFileName` (WireMock's `__files`); nil refuses it.
    package static func parse(_ value: JSONValue, id makeID: () -> String, files: ((String) -> [UInt8]?)? = nil) throws(InputError) -> StubMapping {
        guard var members = value.objectValue else { throw .badRequest("A stub mapping is a JSON object, got \(value.typeName)") }
        if let unknown = members.first(where: { !Self.members.contains($0.key) }) {
            throw .invalidParameter(
                unknown.key, "the mock does not build this member of a stub mapping (it takes \(Self.members.joined(separator: ", ")))")
        }
        let id = try value.optionalString("id")
        let uuid = try value.optionalString("uuid")
        let given = id ?? uuid
        let mappingID = (given ?? makeID()).lowercased()
        guard isID(mappingID) else { throw .invalidParameter("id", "\"\(mappingID.prefix(80))\" is not a UUID") }
        var priority = defaultPriority
        if let number = value["priority"] {
            guard let whole = number.intValue, (1...Int(Int32.max)).contains(whole) else {
                throw .invalidParameter("priority", "expected a whole number from 1, got \(number.jsonText.prefix(40))")
            }
            priority = whole
        }
        guard let requestValue = value["request"] else { throw .invalidParameter("request", "a stub needs a request pattern") }
        let request = try StubRequestPattern.parse(requestValue, at: "request")
        let response = try StubResponse.parse(value["response"] ?? .object([]), at: "response", files: files)
        var scenario: (String, String?, String?)?
        if let scenarioName = try value.optionalString("scenarioName") {
            scenario = (scenarioName, try value.optionalString("requiredScenarioState"), try value.optionalString("newScenarioState"))
        } else if value["requiredScenarioState"] != nil || value["newScenarioState"] != nil {
            throw .invalidParameter("scenarioName", "a scenario state needs its scenarioName")
        }
        if let persistent = value["persistent"] {
            guard case .bool = persistent else { throw .invalidParameter("persistent", "expected true or false") }
        }
        if let metadata = value["metadata"] {
            guard metadata.objectValue != nil else { throw .invalidParameter("metadata", "expected an object") }
            if let own = metadata["cckm-mock"] {
                try own.rejectUnknownMembers(known: ["auth", "domain"])
                if let auth = own["auth"] {
                    guard case .bool = auth else { throw .invalidParameter("metadata.cckm-mock.auth", "expected true or false") }
                }
                if let domain = own["domain"], domain.stringValue?.isEmpty != false {
                    throw .invalidParameter("metadata.cckm-mock.domain", "expected the name of a domain")
                }
            }
        }
        members.removeAll { $0.key == "id" || $0.key == "uuid" || $0.key == "insertionIndex" }
        let document = JSONValue.object([("id", .string(mappingID))] + members + [("uuid", .string(mappingID))])
        return StubMapping(
            id: mappingID, name: try value.optionalString("name"), priority: priority, request: request, response: response, scenario: scenario,
            metadata: value["metadata"], document: document)
    }

    /// Whether the mapping's metadata turns the bearer check off for it (`{"cckm-mock": {"auth": false}}`).
    package var skipsAuth: Bool { metadata?["cckm-mock"]?["auth"] == .bool(false) }

    /// The domain (tenant) the stub answers for, when its metadata names one
    /// (`{"cckm-mock": {"domain": "team-a"}}`): requests whose token acts in another pass it by.
    package var domain: String? { metadata?["cckm-mock"]?["domain"]?.stringValue }

    static func isID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
        return parts == [8, 4, 4, 4, 12] && text.allSatisfy { $0 == "-" || $0.isHexDigit }
    }
}
