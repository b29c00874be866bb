import TestSupport
import Testing

@testable import CCKMCore

@Suite(.inProcess()) struct JobDocumentTests {
    @Test func fieldsInDocsOrderAndCompletedAtOnlyWhenDone() throws {
        let aws = JobFamily.named("aws")!
        let created = try #require(Timestamp(rfc3339: "2020-11-05T06:38:25.308834Z"))
        var job = Job(
            family: aws, id: "afef70ff-311e-46c1-8ead-e1999e8c6d46", createdAt: created,
            detailedStatus: [.init(target: "123456789012/ap-south-1", message: "in_progress")], targets: [["ap-south-1"], ["kms"]])
        let running = try JSONParser.parse(job.json)
        #expect(
            running.objectValue?.map(\.key) == [
                "id", "uri", "account", "application", "devAccount", "createdAt", "updatedAt", "overall_status", "detailed_status", "cloud",
                "regions", "kms", "abort",
            ])
        job.completedAt = created.adding(seconds: 4)
        job.status = .completed
        let done = try JSONParser.parse(job.json)
        #expect(done.objectValue?.map(\.key)[7] == "completed_at")
        #expect(done["completed_at"]?.stringValue == "2020-11-05T06:38:29.308834Z")
        #expect(done["overall_status"]?.stringValue == "completed")
    }
}
