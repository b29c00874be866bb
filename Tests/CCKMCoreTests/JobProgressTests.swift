import CCKMTestFixtures
import TestSupport
import Testing

@testable import CCKMCore

@Suite(.inProcess()) struct JobProgressTests {
    let job = TestJobs.make(JobFamily.named("google")!, 1, status: .inProgress, targets: ["a", "b"])

    @Test func finishingATargetChangesOnlyIt() {
        var copy = job
        var index = JobProgress.TargetIndex(job)
        let event = JobProgress.finish(target: "a", message: "done", at: job.createdAt.adding(seconds: 2), job: &copy, index: &index)
        #expect(copy.detailedStatus?.map(\.message) == ["done", "in_progress"])
        #expect(copy.status == .inProgress && copy.completedAt == nil && copy.updatedAt == job.createdAt.adding(seconds: 2))
        #expect(event.target == "a" && event.from == "in_progress" && event.to == "done")
        _ = JobProgress.finish(target: "c", message: "new", at: job.createdAt.adding(seconds: 3), job: &copy, index: &index)
        _ = JobProgress.finish(target: "c", message: "again", at: job.createdAt.adding(seconds: 3), job: &copy, index: &index)
        #expect(copy.detailedStatus?.map(\.target) == ["a", "b", "c"] && copy.detailedStatus?.last?.message == "again", "one entry per target")
    }

    @Test func completionFollowsFailuresUnlessAborted() {
        var failed = job
        _ = JobProgress.complete(anyFailed: true, at: job.createdAt.adding(seconds: 9), job: &failed)
        #expect(failed.status == .failed && failed.completedAt == job.createdAt.adding(seconds: 9))
        var aborted = job
        _ = JobProgress.abort(at: job.createdAt, job: &aborted)
        _ = JobProgress.complete(anyFailed: true, at: job.createdAt.adding(seconds: 9), job: &aborted)
        #expect(aborted.status == .completed && aborted.abort)
    }
}
