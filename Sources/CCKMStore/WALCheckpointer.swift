import CCKMCore
import Dispatch
import GRDB
import Synchronization

/// Moves the write-ahead log into the database file from its own connection, off the writer.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on the single
/// writer, and fsyncs the database file there: every write queued behind that commit (a batch of
/// starts, of logins) would wait for its fsync. A passive checkpoint from a second connection
/// takes no write lock, so the writer keeps committing meanwhile. The store turns the automatic
/// checkpoint off only when one of these is running.
///
/// What such a checkpoint cannot do is start the log again from its beginning: SQLite does that at
/// the next write only when every frame was copied, and under a steady stream of writes new frames
/// always arrive while a checkpoint copies the old ones. The log then grew without end (1 GB in 6 s
/// of starts), and every page it grew by was zeroed by the kernel first: a quarter of the starts'
/// CPU. So when a round finds the log longer than `restartFrames`, it asks the writer
/// (`LogRestart`) to checkpoint once itself after its next commit; between the writer's commits no
/// frame arrives, its checkpoint copies the last frames, and its next write starts the log over.
package final class WALCheckpointer: Sendable {
    private let path: String
    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "cckm-mock.checkpoint")
    private let stopped = Atomic<Bool>(false)
    /// A round is scheduled and has not begun: the commits meanwhile go with it.
    private let pending = Atomic<Bool>(false)
    private let restart: LogRestart
    private let restartFrames: Int
    /// Time between rounds; nil runs rounds only when asked (`checkpointNow`, for tests).
    private let every: DispatchTimeInterval?

    /// How soon after a commit the log is checked (the commits meanwhile share the round); an idle
    /// store has no rounds at all (they ran every 10 ms, commits or not, and kept an idle server
    /// busy).
    package static let interval = DispatchTimeInterval.milliseconds(10)
    /// 64 MB of 4 KB pages: a few writer checkpoints a second at the most under a full load of starts.
    package static let defaultRestartFrames = 16_384

    package init(
        path: String, restart: LogRestart, restartFrames: Int = WALCheckpointer.defaultRestartFrames,
        every: DispatchTimeInterval? = WALCheckpointer.interval
    ) throws {
        var configuration = Configuration()
        configuration.label = "cckm-mock.checkpoint"
        configuration.busyMode = .timeout(StoreBusy.seconds)
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.path = path
        self.restart = restart
        self.restartFrames = restartFrames
        self.every = every
    }

    /// A commit happened: a round `every` from now, unless one is already coming. The round holds
    /// the checkpointer weakly: nothing runs once the store that owns it went away.
    package func nudge() {
        guard let every, !pending.exchange(true, ordering: .relaxed) else { return }
        queue.asyncAfter(deadline: .now() + every) { [weak self] in
            guard let self else { return }
            self.pending.store(false, ordering: .relaxed)
            guard !self.stopped.load(ordering: .relaxed) else { return }
            // A failure (a full disk, a reader holding an old snapshot) leaves the log for the
            // next round; a full disk is also handled by the writer, which truncates the log.
            _ = try? self.round()
        }
    }

    /// One round now, on the rounds' queue: the log's frames and how many of them are now in the
    /// database file (SQLite's `wal_checkpoint` answer), for checks.
    package func checkpointNow() throws -> (log: Int, checkpointed: Int) {
        try queue.sync { try round() }
    }

    private func round() throws -> (log: Int, checkpointed: Int) {
        let row = try connection.writeWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
        let (log, checkpointed): (Int, Int) = (row?[1] ?? -1, row?[2] ?? -1)
        if log > restartFrames { restart.due.store(true, ordering: .relaxed) }
        return (log, checkpointed)
    }

    /// A new checkpointer like this one, once this one is stopped (a bulk load closed it).
    package func reopened() throws -> WALCheckpointer {
        try WALCheckpointer(path: path, restart: restart, restartFrames: restartFrames, every: every)
    }

    /// Stops the rounds and closes the connection once a round in flight is over, so that the
    /// store can change its journal mode (which needs the only connection).
    package func stop() {
        queue.sync {
            stopped.store(true, ordering: .relaxed)
            try? connection.close()
        }
    }
}

/// How long a connection of the stores waits for a lock another connection holds for a moment:
/// the last connection of a store that was just closed checkpoints the log and deletes it under an
/// exclusive lock, and on a busy machine a store opened again at once (a restart, an upgrade of
/// the sessions' file) met that lock and failed with "database is locked". Within one process
/// the writer is the only one that writes, and the folder lock keeps out other processes, so no
/// wait here is ever long.
package enum StoreBusy {
    package static let seconds: Double = 10
}

/// Set by the checkpointer when the log has run long; the store's writer checkpoints once after
/// its next commit and clears it (`JobStore.transaction`).
package final class LogRestart: Sendable {
    package let due = Atomic<Bool>(false)

    package var isDue: Bool { due.load(ordering: .relaxed) }

    /// When asked for, a passive checkpoint on the writer's own connection, queued behind the
    /// commit just made rather than run in it, so that its clients are answered first. A failure
    /// leaves it to the next request.
    package func checkpointIfDue(_ writer: any DatabaseWriter) {
        guard due.exchange(false, ordering: .relaxed) else { return }
        writer.asyncWriteWithoutTransaction { db in _ = try? db.checkpoint(.passive) }
    }
}
