/// Scheduler job configurations on the simulator's clock: each run starts its job at the time it
/// falls due, after the transitions due before it, so a week of schedules under the manual clock
/// runs in order in one advance.
extension Simulator {
    /// Moves the store to `target`, running every configuration due on the way at its due time.
    /// The store commits this in steps; when one fails, the waiters of what the earlier steps
    /// committed are answered before the error goes up (nothing else would wake them).
    func advanceStore(to target: Timestamp) throws -> [JobEvent] {
        var events: [JobEvent] = []
        var runs = 0
        do {
            while let due = try store.nextSchedulerRun(), due <= target {
                try store.advance(to: due, into: &events)
                for config in try store.schedulerConfigsDue(by: due) {
                    if runs >= settings.maxSchedulerRunsPerAdvance {
                        try skipAhead(config, past: target)
                    } else {
                        try run(config, at: config.nextDue ?? due)
                        runs += 1
                    }
                }
            }
            try store.advance(to: target, into: &events)
        } catch {
            answerWaiters(after: events)
            throw error
        }
        return events
    }

    private func run(_ config: StoredSchedulerConfig, at due: Timestamp) throws {
        let parsed = try SchedulerConfig(document: config.document)
        var planned: PlannedJob?
        var refusal: String?
        do {
            let request = try StartRequest.parse(body: parsed.startBody, family: parsed.family)
            planned = try planner.plan(request, family: parsed.family, domain: config.domain, now: due)
        } catch {
            refusal = "\(error)"
        }
        _ = try store.run(
            config, planned: planned, refusal: refusal, exclusive: !settings.allowConcurrentJobs, at: due, nextDue: parsed.nextDue(after: due))
    }

    private func skipAhead(_ config: StoredSchedulerConfig, past target: Timestamp) throws {
        try store.setNextSchedulerRun(of: config.id, to: try SchedulerConfig(document: config.document).nextDue(after: target))
    }
}
