import CCKMCore
import CCKMStore
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A prepared scenario (`PreparedImage`): made once by `cckm-mock fixtures prepare`, then served by
/// copying it, so that a start with a million jobs does not load them again.
extension Engine {
    /// Writes the store, its indexes built, to `path` as a prepared scenario made at `preparedAt`
    /// from the JSON fixtures `texts` (for their users, domains, inventory, scripts, simulation and
    /// schedules). What `MockApplication.prepareScenario` calls once the fixtures are loaded.
    package func writePreparedScenario(to path: String, preparedAt: Timestamp, texts: [Fixture.Text]) throws {
        try oneAtATime {
            try onWriter { db in
                try store.transaction(db) { db in
                    try store.describePrepared(id: Randomness().uuid(), preparedAt: preparedAt, texts: texts, db)
                }
                try store.writeCopy(to: path, db)
            }
        }
    }

    /// Takes a prepared scenario's jobs as this store's own: a `:memory:` store takes the file in
    /// whole now; a file store was made from it before it opened (`PreparedImage.install`:
    /// `copiedIntoFolder`), or on an earlier start, whose jobs it keeps. A store new from the file
    /// has the plans of its jobs in progress moved from the preparation's time to now. Later
    /// resets to the fixtures copy the file's rows back.
    package func adopt(_ image: PreparedImage, copiedIntoFolder: Bool) throws {
        try oneAtATime {
            prepared.withLock { $0 = image }
            let inMemory = store.file == nil
            if inMemory { try store.load(image) }
            if inMemory || copiedIntoFolder {
                let offset = clock.now().nanoseconds - image.preparedAt.nanoseconds
                try inTransaction { db in try store.shiftPlans(byNanoseconds: offset, db) }
            }
            changed(.everything)
        }
    }
}
