import CCKMCore

extension Job {
    /// Reads a job back from the JSON the store keeps for it.
    package static func decode(document: String, family: JobFamily, domain: String) throws -> Job {
        guard case .object(var members) = try JSONParser.parse(document) else { throw StoreError.corruptDocument(problems: ["not an object"]) }
        members.append(("family", .string(family.name)))
        members.append(("domain", .string(domain)))
        var reader = FixtureReader(source: "store", locator: nil, now: Timestamp(nanoseconds: 0))
        reader.requiresRunningTarget = false
        guard let job = reader.job(.object(members), at: "$"), reader.problems.isEmpty else {
            throw StoreError.corruptDocument(problems: reader.problems)
        }
        return job
    }
}
