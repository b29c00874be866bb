import CCKMCore
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// A prepared scenario's file (`cckm-mock fixtures prepare`): a job store with its jobs stored and
/// indexed, and two tables of its own: `prepared_scenario` (an id, the time its jobs were planned
/// at, how many) and `prepared_fixture` (the texts of its JSON fixtures, whose users, domains,
/// inventory, scripts, simulation and schedules a start reads again). A start copies the file as
/// a new store's `jobs.sqlite`; a reset copies its rows back (`JobStore+PreparedImage.swift`).
///
/// The jobs in progress were planned at `preparedAt`; a start or a reset moves their due times by
/// the time since, so that they run their planned durations from then on.
public struct PreparedImage: Sendable {
    package var path: String
    package var id: String
    package var preparedAt: Timestamp
    package var jobs: Int
    package var texts: [Fixture.Text]
    /// The file as it was checked at the start: a reset reads it again and must find that file.
    package var identity: FileIdentity?

    /// What tells one file from another at a path: device, inode, size and modification time (a
    /// file moved away and back is the same file).
    package struct FileIdentity: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64

        package init?(path: String) {
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            size = Int64(status.st_size)
            modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        }
    }

    /// Throws unless the file at `path` is still the one the server started from: a reset copies
    /// rows from it, and a file moved away (its ATTACH made an empty file there and the reset
    /// answered 500) or replaced by another scenario (loaded unchecked) is refused instead.
    package func checkUnchanged() throws(InputError) {
        guard let identity, let now = FileIdentity(path: path) else {
            throw .conflict(
                "The prepared scenario \(path) that the server started from is no longer there; put it back, or restart the server with the scenario to reset to"
            )
        }
        guard now == identity else {
            throw .conflict(
                "The prepared scenario \(path) was replaced or changed since the server started; restart the server to reset to what it holds now")
        }
    }

    /// Why a file cannot be served as a prepared scenario, in words that say what to do.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String

        package init(description: String) {
            self.description = description
        }
    }

    /// The prepared scenario's own two tables, as `describePrepared` makes them: a file's must be
    /// exactly these (a trigger or a view beside them, of whatever name, is refused).
    package static let tables = """
        CREATE TABLE prepared_scenario (id TEXT NOT NULL, prepared_at INTEGER NOT NULL, jobs INTEGER NOT NULL);
        CREATE TABLE prepared_fixture (position INTEGER PRIMARY KEY, source TEXT NOT NULL, text TEXT NOT NULL);
        """

    /// The tables whose rows a prepared file brings: its jobs with their documents, targets,
    /// plans, events and counts, its fake cloud and what its fixtures say syncs already brought,
    /// its description and its fixtures' texts, and the migrations' own record. Every other table (sessions, snapshots, start records, scheduler configurations and
    /// runs, which a start makes from the texts) must be empty: a file a team downloads is input,
    /// and a refresh token planted in it logged in as admin.
    static let tablesWithRows: Set<String> = [
        "job", "job_document", "job_target", "job_count", "job_target_count", "job_schedule", "job_event", "prepared_scenario",
        "prepared_fixture", "grdb_migrations", "cloud_key", "cm_key", "cm_key_count",
    ]

    /// Reads the file's description after checking it is one this build would have written: its
    /// schema exactly the one this build's migrations and `tables` make (a file prepared by
    /// another build, or changed since, is refused: a start copies the whole database, and would
    /// serve whatever triggers or tables it held), rows only in `tablesWithRows`, and its pages
    /// sound (`quick_check`: a damaged file served every list and reset as a 500). `thorough` runs
    /// SQLite's full `integrity_check` instead (`fixtures validate`).
    package static func open(_ path: String, thorough: Bool = false) throws -> PreparedImage {
        let again = "prepare it again with this build: cckm-mock fixtures prepare FIXTURE... -o \(path)"
        // Taken before the checks: a file swapped while they run is not the one checked.
        let identity = FileIdentity(path: path)
        _ = SQLiteProcessSettings.applied
        do {
            var configuration = Configuration()
            configuration.readonly = true
            return try DatabaseQueue(path: path, configuration: configuration).read { db in
                guard try db.tableExists("prepared_scenario"), try db.tableExists("prepared_fixture") else {
                    throw Refusal(description: "\(path) is not a prepared scenario; \(again)")
                }
                let expected = try StoreSchema.expectedPreparedSchema()
                let found = try schema(db)
                guard found == expected else {
                    let differing = Set(found).symmetricDifference(expected).map(\.name).sorted().joined(separator: ", ")
                    throw Refusal(
                        description: "\(path) was prepared by another build of cckm-mock, or changed since (differs in: \(differing)); \(again)")
                }
                let problems = try String.fetchAll(db, sql: thorough ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)")
                guard problems == ["ok"] else {
                    throw Refusal(
                        description:
                            "\(path) is damaged (SQLite's \(thorough ? "integrity_check" : "quick_check"): \(problems.prefix(3).joined(separator: "; ")))); \(again)"
                    )
                }
                for table in try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
                where !tablesWithRows.contains(table) {
                    guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table.quotedDatabaseIdentifier))") == false else {
                        throw Refusal(
                            description:
                                "\(path) holds rows in \(table), which a prepared scenario never has (sessions, snapshots, start records and schedules are made by each start); it was changed after it was prepared: \(again)"
                        )
                    }
                }
                guard try Int.fetchOne(db, sql: "SELECT count(*) FROM prepared_scenario") == 1,
                    let row = try Row.fetchOne(db, sql: "SELECT id, prepared_at, jobs FROM prepared_scenario")
                else {
                    throw Refusal(description: "\(path) is not a prepared scenario (no description row); \(again)")
                }
                let texts = try Row.fetchAll(db, sql: "SELECT source, text FROM prepared_fixture ORDER BY position").map {
                    Fixture.Text(source: $0["source"], text: $0["text"])
                }
                return PreparedImage(
                    path: path, id: row["id"], preparedAt: Timestamp(nanoseconds: row["prepared_at"]), jobs: row["jobs"], texts: texts,
                    identity: identity)
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch let error as DatabaseError {
            throw Refusal(description: "\(path) is not a prepared scenario (SQLite: \(error.message ?? "\(error.resultCode)")); \(again)")
        }
    }

    /// One object of a database's schema, its SQL with whitespace collapsed (a bulk load builds
    /// the indexes and triggers again from `StoreSchema`'s constants, not the migrations' text).
    package struct SchemaObject: Hashable, Comparable {
        var type: String
        var name: String
        var sql: String?

        package static func < (a: Self, b: Self) -> Bool { (a.type, a.name) < (b.type, b.name) }
    }

    /// Every object of the schema but SQLite's own (whose names no one else may use).
    package static func schema(_ db: Database) throws -> [SchemaObject] {
        try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
            .map { row in
                let sql: String? = row["sql"]
                return SchemaObject(
                    type: row["type"], name: row["name"], sql: sql.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") })
            }
            .sorted()
    }

    /// Puts the prepared store in `directory` as its `jobs.sqlite`, unless that store was made from
    /// this same file before (a restart): returns true when it copied. Refuses a folder whose store
    /// was made otherwise, rather than replace jobs a client was told are stored. The copy is
    /// written under another name, synced, then renamed: a crash leaves no half store behind.
    package func install(intoDirectory directory: String) throws -> Bool {
        let target = directory + "/" + JobStore.fileName
        if access(target, F_OK) == 0 {
            let madeFrom = try? DatabaseQueue(path: target).read { db in
                try db.tableExists("prepared_scenario") ? try String.fetchOne(db, sql: "SELECT id FROM prepared_scenario") : nil
            }
            guard madeFrom == id else {
                throw Refusal(
                    description:
                        "data directory \(directory) already holds a job store that was not made from \(path); a prepared scenario starts a new store: give --data an empty directory, or remove \(target) (and its -wal and -shm files) to start over from it"
                )
            }
            return false
        }
        // A log left without its database would be applied to the copy.
        for leftover in ["-wal", "-shm", "-journal"] { unlink(target + leftover) }
        let partial = directory + "/.jobs.sqlite.preparing"
        unlink(partial)
        try Self.copyFile(from: path, to: partial)
        guard rename(partial, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partial)
            throw Refusal(description: "cannot put \(path) in place as \(target): \(reason)")
        }
        let folder = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
        return true
    }

    /// The file's bytes in a new file readable by its owner only (a store holds refresh tokens),
    /// synced; the kernel copies them (`sendfile`) without passing through this process.
    private static func copyFile(from source: String, to destination: String) throws {
        func refusal(_ what: String) -> Refusal {
            Refusal(description: "cannot copy \(source) to \(destination): \(what): \(String(cString: strerror(errno)))")
        }
        let input = Glibc.open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw refusal("open") }
        defer { close(input) }
        let output = Glibc.open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw refusal("create") }
        var copied = false
        defer {
            close(output)
            if !copied { unlink(destination) }
        }
        var status = stat()
        guard fstat(input, &status) == 0 else { throw refusal("stat") }
        var left = Int(status.st_size)
        while left > 0 {
            let moved = sendfile(output, input, nil, left)
            if moved < 0, errno == EINTR { continue }
            guard moved > 0 else { throw refusal(moved == 0 ? "the file shrank while it was copied" : "copy") }
            left -= moved
        }
        guard fsync(output) == 0 else { throw refusal("sync") }
        copied = true
    }
}

extension StoreSchema {
    /// The schema of a prepared file this build writes (its migrations' and the prepared
    /// scenario's tables), as `PreparedImage.schema` reads it.
    package static func expectedPreparedSchema() throws -> [PreparedImage.SchemaObject] {
        let database = try DatabaseQueue()
        try migrator.migrate(database)
        try database.write { db in try db.execute(sql: PreparedImage.tables) }
        return try database.read(PreparedImage.schema)
    }
}
