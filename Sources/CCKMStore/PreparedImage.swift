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

    /// Why a file cannot be served as a prepared scenario, in words that say what to do.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String

        package init(description: String) {
            self.description = description
        }
    }

    /// Reads the file's description after checking that its schema is exactly the one this build's
    /// migrations make (a file prepared by another build, or changed since, is refused: a start
    /// copies the whole database, and would serve whatever triggers or tables it held).
    package static func open(_ path: String) throws -> PreparedImage {
        let again = "prepare it again with this build: cckm-mock fixtures prepare FIXTURE... -o \(path)"
        do {
            var configuration = Configuration()
            configuration.readonly = true
            return try DatabaseQueue(path: path, configuration: configuration).read { db in
                guard try db.tableExists("prepared_scenario"), try db.tableExists("prepared_fixture") else {
                    throw Refusal(description: "\(path) is not a prepared scenario; \(again)")
                }
                let expected = try StoreSchema.expectedSchema()
                let found = try schema(db)
                guard found == expected else {
                    let differing = Set(found).symmetricDifference(expected).map(\.name).sorted().joined(separator: ", ")
                    throw Refusal(
                        description: "\(path) was prepared by another build of cckm-mock, or changed since (differs in: \(differing)); \(again)")
                }
                guard let row = try Row.fetchOne(db, sql: "SELECT id, prepared_at, jobs FROM prepared_scenario") else {
                    throw Refusal(description: "\(path) is not a prepared scenario (no description row); \(again)")
                }
                let texts = try Row.fetchAll(db, sql: "SELECT source, text FROM prepared_fixture ORDER BY position").map {
                    Fixture.Text(source: $0["source"], text: $0["text"])
                }
                return PreparedImage(
                    path: path, id: row["id"], preparedAt: Timestamp(nanoseconds: row["prepared_at"]), jobs: row["jobs"], texts: texts)
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

    /// The store's own objects: SQLite's and the prepared scenario's tables left out.
    package static func schema(_ db: Database) throws -> [SchemaObject] {
        try Row.fetchAll(
            db,
            sql: "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'prepared\\_%' ESCAPE '\\'"
        )
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
    /// The schema this build's migrations make, as `PreparedImage.schema` reads it.
    package static func expectedSchema() throws -> [PreparedImage.SchemaObject] {
        let database = try DatabaseQueue()
        try migrator.migrate(database)
        return try database.read(PreparedImage.schema)
    }
}
