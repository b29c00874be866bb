import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

/// The contract of the five Thales pages: with the docs fixture loaded, each page's example request
/// gets that page's example response, field for field and in the same order, over a real socket.
@Suite(.live()) struct DocsExamplesTests {
    static let pages = [
        "aws-synchronization-job-by-id", "azure-synchronization-jobs", "external-cm-refresh", "sap-synchronization-jobs",
        "sfdc-synchronization-jobs",
    ]

    @Test(arguments: pages)
    func pageExampleAnswersAsDocumented(page: String) async throws {
        let example = try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(Paths.docsExamples)/\(page).json"))))
        let request = try #require(example["request"]?.stringValue)
        let expected = try #require(example["response"])
        let live = try LiveServer()
        // The docs' running jobs are held ("simulate": false): even settling leaves them as printed.
        #expect(try await live.post("/__admin/jobs/settle").status == 200)
        let reply = try await live.get(request)
        #expect(reply.status == 200)
        #expect(reply.headers["Content-Type"] == "application/json")
        #expect(reply.json == expected, "\(page): got \(reply.json.jsonText)")
        // Field for field, so that a mismatch names the field.
        for (index, resource) in (expected["resources"]?.arrayValue ?? [expected]).enumerated() {
            let actual = reply.json["resources"]?.arrayValue?[index] ?? reply.json
            for member in resource.objectValue ?? [] {
                #expect(actual[member.key] == member.value, "\(page) resource \(index) field \(member.key)")
            }
            #expect(actual.objectValue?.map(\.key) == resource.objectValue?.map(\.key), "\(page) field order")
        }
    }
}
