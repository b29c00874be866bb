import Dispatch
import GRDB
import Synchronization

/// Moves the write-ahead log into the database file from its own connection, off the writer.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on the single
/// writer, and fsyncs the database file there: every write queued behind that commit (a batch of
/// starts, of logins) waited for it, which was the whole of the write path's p99 (about 23 ms at
/// 15,000 logins/s against 3 ms with no file). A passive checkpoint from a second connection
/// takes no write lock, so the writer keeps committing meanwhile. The store turns the automatic
/// checkpoint off only when one of these is running.
final class WALCheckpointer: Sendable {
    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "cckm-mock.checkpoint")
    private let stopped = Atomic<Bool>(false)

    /// How often the log is checked: a passive checkpoint with nothing to copy costs microseconds.
    static let interval = DispatchTimeInterval.milliseconds(50)

    init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "cckm-mock.checkpoint"
        connection = try DatabaseQueue(path: path, configuration: configuration)
        scheduleNext()
    }

    /// The rounds hold the checkpointer weakly: they stop when the store that owns it goes away.
    private func scheduleNext() {
        queue.asyncAfter(deadline: .now() + Self.interval) { [weak self] in
            guard let self, !self.stopped.load(ordering: .relaxed) else { return }
            // A failure (a full disk, a reader holding an old snapshot) leaves the log for the
            // next round; a full disk is also handled by the writer, which truncates the log.
            _ = try? self.connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            self.scheduleNext()
        }
    }

    /// One round now, on the rounds' queue: the log's frames and how many of them are now in the
    /// database file (SQLite's `wal_checkpoint` answer), for checks.
    func checkpointNow() throws -> (log: Int, checkpointed: Int) {
        try queue.sync {
            let row = try connection.writeWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
            return (row?[1] ?? -1, row?[2] ?? -1)
        }
    }

    /// Stops the rounds and closes the connection once a round in flight is over, so that the
    /// store can change its journal mode (which needs the only connection).
    func stop() {
        queue.sync {
            stopped.store(true, ordering: .relaxed)
            try? connection.close()
        }
    }
}
