import CCKMCore
import CCKMStore
import GRDB

/// The engine's writes, one constructor each: what the command judges, whether it may change a
/// job, and its handler, which alone writes its rows (in its savepoint of a batch's transaction).
extension Engine {
    /// A start, planned now: stored unless the family must run alone and already has a job in
    /// progress in the domain (409). Its output is the job's JSON.
    package func startCommand(family: JobFamily, domain: String, request: StartRequest) throws -> Command<String> {
        var drawn = try planner.plan(request, family: family, domain: domain, now: clock.now())
        // A seeded run replayed into a store that already holds its jobs (a recording of that run)
        // draws their ids again: draw again rather than answer 500 on the UNIQUE id. Ids drawn
        // from the system's randomness do not repeat, so only a seeded run pays for the look.
        while planner.randomness.seed != nil, try store.reader.families(holding: drawn.job.id).contains(family) {
            drawn = try planner.plan(request, family: family, domain: domain, now: clock.now())
        }
        let planned = drawn
        let exclusive = !settings.allowConcurrentJobs
        let (store, clock) = (self.store, self.clock)
        return Command(judges: exclusive ? [.family(family, domain: domain)] : []) { db in
            // Stamped with the batch's clock, read on the writer: an advance that ran since the
            // request arrived has moved it.
            try store.start(planned.started(at: clock.now()), exclusive: exclusive, db)
        }
    }

    /// A cancel asked now; its output is the job's JSON.
    package func cancelCommand(family: JobFamily, domain: String, id: String) -> Command<String> {
        let (now, stopAt) = cancelTimes()
        let store = self.store
        return Command(judges: [.job(family: family, domain: domain, id: id)]) { db in
            try store.cancel(family: family, domain: domain, id: id, now: now, stopAt: stopAt, db)
        }
    }

    /// A new login session; its output is the login's answer, `response`.
    package func loginCommand(_ session: LoginSession, createdAt: Int64, response: String) -> Command<String> {
        let store = self.store
        return Command(changesJobs: false, onSessions: true) { db in
            try store.sessions.saveSession(session, createdAt: createdAt, db)
            return response
        }
    }

    /// Ends a login session; its output is the session's id, nil when no session has the token.
    package func revoke(refreshToken: String) throws -> String? {
        let store = self.store
        return try perform(Command(changesJobs: false, onSessions: true) { db in try store.sessions.revokeSession(refreshToken: refreshToken, db) })
    }

    /// Stores a new scheduler configuration with a fresh id; returns its document.
    package func createSchedulerConfig(domain: String, config: SchedulerConfig) throws -> String {
        var drawn = planner.randomness.uuid()
        while planner.randomness.seed != nil, try store.scheduler.schedulerConfigExists(id: drawn) { drawn = planner.randomness.uuid() }
        let (store, id, now) = (self.store, drawn, clock.now())
        return try perform(
            Command(changesJobs: false) { db in try store.scheduler.insertSchedulerConfig(id: id, domain: domain, config: config, at: now, db) })
    }

    /// Patches a configuration; its document, nil when the domain has no configuration with that id.
    package func patchSchedulerConfig(id: String, domain: String, with patch: [(String, JSONValue)]) throws -> String? {
        let (store, now) = (self.store, clock.now())
        return try perform(
            Command(changesJobs: false) { db in
                try store.scheduler.updateSchedulerConfig(id: id, domain: domain, { try $0.patched(with: patch) }, at: now, db)
            })
    }

    /// Deletes a configuration; false when the domain has none with that id.
    package func deleteSchedulerConfig(id: String, domain: String) throws -> Bool {
        let store = self.store
        return try perform(Command(changesJobs: false) { db in try store.scheduler.deleteSchedulerConfig(id: id, domain: domain, db) })
    }

    /// Deletes a job run; false when the domain has none with that id.
    package func deleteSchedulerRun(id: String, domain: String) throws -> Bool {
        let store = self.store
        return try perform(Command(changesJobs: false) { db in try store.scheduler.deleteSchedulerRun(id: id, domain: domain, db) })
    }

    /// Deletes a snapshot; false when there is none of that name.
    package func deleteSnapshot(_ name: String) throws -> Bool {
        let store = self.store
        return try perform(Command(changesJobs: false) { db in try store.snapshots.deleteSnapshot(name, db) })
    }
}
