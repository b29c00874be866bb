import CCKMCore
import CCKMEngine
import CCKMStore

/// `/api/v1/scheduler/...`: CM's scheduler job configurations, their job runs, run-now and the
/// operations (the handlers are in `SchedulerAPI.swift`).
package final class SchedulerHandlers: Sendable {
    let store: StoreReader
    let engine: Engine

    package init(store: StoreReader, engine: Engine) {
        self.store = store
        self.engine = engine
    }
}
