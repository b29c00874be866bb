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

    /// One run of `config` at `due`: a synchronization planned and started as a `POST` would start
    /// it, any other operation recorded as done. Returns the run's id.
    @discardableResult
    private func run(_ config: StoredSchedulerConfig, at due: Timestamp, trigger: SchedulerRun.Trigger = .schedule) throws -> String {
        let parsed = try SchedulerConfig(document: config.document)
        var planned: PlannedJob?
        var refusal: String?
        if let synchronization = parsed.synchronization {
            do {
                let request = try StartRequest.parse(body: synchronization.startBody, family: synchronization.family)
                planned = try planner.plan(request, family: synchronization.family, domain: config.domain, now: due)
            } catch {
                refusal = "\(error)"
            }
        }
        let run = SchedulerRun.Request(
            id: planner.randomness.uuid(orderedAt: due), name: parsed.name, operation: parsed.operation.name, trigger: trigger, at: due)
        try store.run(
            config, run, planned: planned, refusal: refusal, exclusive: !settings.allowConcurrentJobs, nextDue: parsed.nextDue(after: due))
        return run.id
    }

    /// `POST /api/v1/scheduler/job-configs/{id}/run-now`: the run happens now on the simulator's
    /// clock, after what fell due before, exactly as a due time would run it; the schedule stays.
    /// Nil when the domain has no such configuration.
    func runNow(configID: String, domain: String) throws -> SchedulerRun? {
        try oneAtATime {
            _ = try tickUnserialized()
            guard let config = try store.schedulerConfig(id: configID, domain: domain) else { return nil }
            let id = try run(config, at: clock.now(), trigger: .runNow)
            return try store.schedulerRun(id: id, domain: domain)
        }
    }

    private func skipAhead(_ config: StoredSchedulerConfig, past target: Timestamp) throws {
        try store.setNextSchedulerRun(of: config.id, to: try SchedulerConfig(document: config.document).nextDue(after: target))
    }
}
