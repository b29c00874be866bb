import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore
import HTTPServer
import Logging
import Synchronization

/// A mock put together and loaded, not yet listening: the one place its parts are made
/// (`build`). `serve`, `demo`, `fixtures prepare`, `conform`'s own mock and the tests' in-process
/// app all come through here, so each runs the parts production runs.
public struct MockApplication: Sendable {
    public let configuration: MockConfiguration
    /// The whole HTTP surface, the engine (`app.engine`, the one writer) and the store's read face.
    public let app: CCKMApp
    /// The jobs the start-up's fixtures loaded, JSON Lines files and a prepared scenario included.
    public let fixtureJobs: Int
    let tls: (identity: TLSIdentity, path: String?)?
    let data: DataDirectory
    /// Held while the mock lives: one mock per data folder.
    let folderLock: DirectoryLock?
    let logger: Logger

    public var engine: Engine { app.engine }
    public var store: StoreReader { app.store }

    /// Opens the stores, builds the engine, the token service, the handler groups and the app, and
    /// loads the fixtures. `progress` hears how far the load has come and may cancel it (then this
    /// throws `LoadCancelled`); later loads through the control API are logged every few seconds.
    public static func build(
        _ configuration: MockConfiguration, logger: Logger = Logger(label: "cckm-mock"), progress: LoadProgress? = nil
    ) throws -> MockApplication {
        let assembly = configuration.assembly
        let clock = assembly.clock ?? configuration.clock.make()
        let (fixture, image) = try fixtures(configuration, now: clock.now())
        let folderLock = try openDataFolder(configuration)
        do {
            return try build(configuration, clock: clock, fixture: fixture, image: image, folderLock: folderLock, logger: logger, progress: progress)
        } catch {
            folderLock?.release()
            throw error
        }
    }

    private static func build(
        _ configuration: MockConfiguration, clock: any SimulationClock, fixture: Fixture, image: PreparedImage?, folderLock: DirectoryLock?,
        logger: Logger, progress: LoadProgress?
    ) throws -> MockApplication {
        let assembly = configuration.assembly
        // A prepared scenario is the store: copied into a new data folder here, into memory by the engine.
        var installedImage = false
        if let image, case .directory(let path) = configuration.store {
            do {
                installedImage = try image.install(intoDirectory: path)
            } catch {
                throw StartupError(description: "\(error)")
            }
        }
        let store: JobStore
        do {
            store = try JobStore(location: configuration.store, readers: configuration.http.threads + 1)
        } catch {
            throw StartupError(description: "cannot open the job store in \(configuration.store.displayName): \(error)")
        }
        let waiters = JobWaiters()
        let engine: Engine
        do {
            engine = try Engine(
                store: store, clock: clock, settings: configuration.simulator, seed: configuration.seed, recordingStart: assembly.recordsStart,
                groupCommit: assembly.groupCommit, changed: { change in waiters.handle(change, store: store.reader) })
        } catch {
            throw StartupError(description: "cannot write to the job store in \(configuration.store.displayName): \(error)")
        }
        let data = DataDirectory(path: configuration.store.directoryPath)
        let tls = try tlsIdentity(configuration.tls, data: data, logger: logger)
        let tokens: TokenService
        do {
            tokens = try TokenService(
                settings: configuration.auth, key: try assembly.signingKey ?? data.signingKey(), engine: engine, now: assembly.tokenClock)
        } catch {
            throw StartupError(description: "cannot prepare login in \(configuration.store.displayName): \(error)")
        }
        let randomness = engine.planner.randomness
        let app = app(
            configuration, engine: engine, tokens: tokens, waiters: waiters, randomness: randomness, fixture: fixture,
            certificatePEM: tls?.identity.certificatePEM, logger: logger)
        let loaded = try load(
            configuration, app: app, fixture: fixture, image: image, installedImage: installedImage, logger: logger, progress: progress)
        app.engine.loadProgress.withLock { $0 = loggedProgress(logger) }
        return MockApplication(
            configuration: configuration, app: app, fixtureJobs: loaded, tls: tls, data: data, folderLock: folderLock, logger: logger)
    }

    /// The handler groups and the app around them.
    private static func app(
        _ configuration: MockConfiguration, engine: Engine, tokens: TokenService, waiters: JobWaiters, randomness: Randomness,
        fixture: Fixture, certificatePEM: String?, logger: Logger
    ) -> CCKMApp {
        let store = engine.reader
        let requestIDs = RequestIDs(seed: randomness.seed)
        let replies = Replies(logger: logger)
        let cache = ResponseCache(capacity: configuration.cacheBytes)
        let journal = RequestJournal(capacity: configuration.journalSize)
        let faults = FaultRules()
        let stubs = StubRegistry(baseline: fixture.stubs)
        return CCKMApp(
            engine: engine, tokens: tokens, journal: journal, faults: faults, stubs: stubs, cache: cache, waiters: waiters, replies: replies,
            requestIDs: requestIDs, randomness: randomness,
            edge: EdgeSettings(
                controlToken: configuration.controlToken, accessLog: configuration.assembly.accessLog ?? AccessLog(format: configuration.accessLog),
                hosts: configuration.assembly.hosts ?? hostPolicy(configuration), cmVersion: configuration.cmVersion),
            jobs: JobHandlers(store: store, engine: engine, cache: cache, replies: replies),
            auth: AuthHandlers(tokens: tokens, engine: engine, replies: replies),
            scheduler: SchedulerHandlers(store: store, engine: engine),
            inventory: InventoryHandlers(store: store, engine: engine),
            control: ControlHandlers(
                store: store, engine: engine, tokens: tokens, journal: journal, faults: faults, stubs: stubs, waiters: waiters,
                randomness: randomness, replies: replies, startupFixture: fixture),
            dashboard: DashboardHandlers(certificatePEM: certificatePEM))
    }

    /// The fixtures named, checked, with the prepared scenario among them opened.
    private static func fixtures(_ configuration: MockConfiguration, now: Timestamp) throws -> (Fixture, PreparedImage?) {
        do {
            var fixture = try Fixture.load(paths: configuration.fixtures, now: now, checkingStreams: false)
            let image = try fixture.prepared.map { try PreparedImage.open($0) }
            if let image {
                // The prepared scenario's fixtures first, the others on top, in the order given.
                var rules = try Fixture.rules(fromTexts: image.texts, now: now)
                rules.merge(fixture)
                fixture = rules
            }
            for folder in configuration.mappings {
                var stubs = Fixture()
                stubs.stubs = try StubMappingsFolder.load(folder)
                fixture.merge(stubs)
            }
            if let given = configuration.assembly.fixture { fixture.merge(given) }
            if !configuration.assembly.storesSchedules { fixture.schedules = [] }
            return (fixture, image)
        } catch let error as FixtureError {
            throw StartupError(invalidFixtures: error)
        } catch {
            throw StartupError(description: "\(error)")
        }
    }

    /// The data folder made or checked, and held.
    private static func openDataFolder(_ configuration: MockConfiguration) throws -> DirectoryLock? {
        guard case .directory(let path) = configuration.store else { return nil }
        try DataDirectory.prepare(path)
        return configuration.assembly.locksDataFolder ? try DataDirectory.lock(path) : nil
    }

    /// The start-up's fixtures into the store through the engine; returns how many jobs they hold.
    private static func load(
        _ configuration: MockConfiguration, app: CCKMApp, fixture: Fixture, image: PreparedImage?, installedImage: Bool, logger: Logger,
        progress: LoadProgress?
    ) throws -> Int {
        do {
            // Seeded jobs in progress go on from now; scripts, inventory and simulator settings apply.
            app.tokens.add(users: fixture.users, domains: fixture.namedDomains)
            let loading = ContinuousClock.now
            let startup = progress ?? LoadProgress { _ in }
            app.engine.loadProgress.withLock { $0 = startup }
            if let image { try app.engine.adopt(image, copiedIntoFolder: installedImage) }
            try app.engine.seed(fixture, alone: true)
            try app.control.adoptDomainsOfStoredJobs()
            let loaded = (image?.jobs ?? 0) + fixture.jobs.count + startup.streamedJobs
            if !configuration.fixtures.isEmpty {
                logger.info(
                    "fixtures loaded",
                    metadata: [
                        "fixtures": "\(configuration.fixtures.joined(separator: ","))", "jobs": "\(loaded)",
                        "seconds": "\(seconds(since: loading))",
                    ])
            }
            // Healthy means ready: what fell due while a large fixture loaded (on the system clock)
            // is settled before the first answer, not by the ticks while clients are served.
            let settling = ContinuousClock.now
            let settled = try app.engine.catchUp()
            if settled > 0 {
                logger.info(
                    "settled the jobs that fell due during the load", metadata: ["jobs": "\(settled)", "seconds": "\(seconds(since: settling))"])
            }
            return loaded
        } catch let error as FixtureError {
            throw StartupError(invalidFixtures: error)
        } catch let error as LoadCancelled {
            throw error
        } catch {
            throw StartupError(description: "cannot load the fixtures into \(configuration.store.displayName): \(error)")
        }
    }

    /// Lets the data folder go, for a mock that never listened (a listening one lets it go when it stops).
    public func close() {
        folderLock?.release()
    }

    /// Seconds since `start`, to the millisecond, for the start-up's log.
    static func seconds(since start: ContinuousClock.Instant) -> String {
        let milliseconds = (ContinuousClock.now - start).wholeMicroseconds / 1000
        return "\(milliseconds / 1000).\(String(milliseconds % 1000 + 1000).dropFirst())"
    }
}
