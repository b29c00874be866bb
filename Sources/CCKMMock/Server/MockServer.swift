import CCKMCore
import CCKMEngine
import CCKMStore
// Foundation, not FoundationEssentials alone: a file error's `localizedDescription` says what is wrong in words.
import Foundation
import HTTPServer
import Logging
import Synchronization

package struct StartupError: Error, CustomStringConvertible {
    package var description: String
}

/// A running mock: the store opened, fixtures seeded, the HTTP server listening.
public final class MockServer: Sendable {
    public let configuration: MockConfiguration
    /// The store's read-only face; the engine (`app.engine`) is its one writer.
    public let store: StoreReader
    public let app: CCKMApp
    public let http: HTTPServer
    /// The certificate file clients can trust, when the server's certificate is in one.
    public let certificatePath: String?
    /// Held while serving: one server per data folder.
    private let folderLock: DirectoryLock?
    static let lockFile = "cckm-mock.lock"

    /// The data folder's lock, which every command that writes a folder's stores holds for as long
    /// as it does (`serve`, `generate --data`): a second writer of a store a server serves would
    /// write beside it and leave its caches stale.
    package static func lockDataDirectory(_ path: String) throws(StartupError) -> DirectoryLock {
        do {
            return try DirectoryLock(path: path + "/" + lockFile)
        } catch {
            throw StartupError(description: "data directory \(path) is \(error); stop it, or give this one another --data")
        }
    }

    /// Opens the store, loads the fixtures, and starts serving; returns once requests are answered.
    /// `progress` hears how far the start-up's fixture load has come, and may cancel it (then this
    /// throws `LoadCancelled`); later loads through the control API are logged every few seconds.
    public init(configuration: MockConfiguration, logger: Logger = Logger(label: "cckm-mock"), progress: LoadProgress? = nil) throws {
        self.configuration = configuration
        let clock = configuration.clock.make()
        var fixture: Fixture
        let image: PreparedImage?
        do {
            fixture = try Fixture.load(paths: configuration.fixtures, now: clock.now(), checkingStreams: false)
            image = try fixture.prepared.map { try PreparedImage.open($0) }
            if let image {
                // The prepared scenario's fixtures first, the others on top, in the order given.
                var rules = try Fixture.rules(fromTexts: image.texts, now: clock.now())
                rules.merge(fixture)
                fixture = rules
            }
        } catch let error as FixtureError {
            throw StartupError(description: "invalid fixtures:\n" + error.description)
        } catch {
            throw StartupError(description: "\(error)")
        }
        if case .directory(let path) = configuration.store {
            try Self.prepareDataDirectory(path)
            folderLock = try Self.lockDataDirectory(path)
        } else {
            folderLock = nil
        }
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
        let start: Int
        do {
            start = try Engine.recordStart(at: SystemClock().now().nanoseconds / 1_000_000_000, on: store)
        } catch {
            throw StartupError(description: "cannot write to the job store in \(configuration.store.displayName): \(error)")
        }
        let data = DataDirectory(path: configuration.store.directoryPath)
        let tls = try Self.tlsIdentity(configuration.tls, data: data, logger: logger)
        certificatePath = tls?.path
        let app: CCKMApp
        do {
            app = try CCKMApp(
                store: store, clock: clock, settings: configuration.simulator,
                randomness: Randomness(seed: configuration.seed.map { Randomness.seed($0, start: start) }), auth: configuration.auth,
                signingKey: try data.signingKey(),
                journal: RequestJournal(capacity: configuration.journalSize), fixture: fixture, batchWrites: true,
                cacheBytes: configuration.cacheBytes, adminToken: configuration.adminToken, certificatePEM: tls?.identity.certificatePEM,
                accessLog: AccessLog(format: configuration.accessLog), hosts: Self.hostPolicy(configuration), logger: logger,
                cmVersion: configuration.cmVersion)
        } catch {
            throw StartupError(description: "cannot prepare login in \(configuration.store.displayName): \(error)")
        }
        // The jobs the start-up's fixtures loaded, JSON Lines files included.
        let loaded: Int
        do {
            // Seeded jobs in progress go on from now; scripts, inventory and simulator settings apply.
            app.tokens.add(users: fixture.users, domains: fixture.namedDomains)
            let loading = ContinuousClock.now
            let startup = progress ?? LoadProgress { _ in }
            app.engine.loadProgress.withLock { $0 = startup }
            if let image { try app.engine.adopt(image, copiedIntoFolder: installedImage) }
            try app.engine.seed(fixture, alone: true)
            try app.control.adoptDomainsOfStoredJobs()
            loaded = (image?.jobs ?? 0) + fixture.jobs.count + startup.streamedJobs
            if !configuration.fixtures.isEmpty {
                logger.info(
                    "fixtures loaded",
                    metadata: [
                        "fixtures": "\(configuration.fixtures.joined(separator: ","))", "jobs": "\(loaded)",
                        "seconds": "\(Self.seconds(since: loading))",
                    ])
            }
            // Healthy means ready: what fell due while a large fixture loaded (on the system clock)
            // is settled before the first answer, not by the ticks while clients are served.
            let settling = ContinuousClock.now
            let settled = try app.engine.catchUp()
            if settled > 0 {
                logger.info(
                    "settled the jobs that fell due during the load", metadata: ["jobs": "\(settled)", "seconds": "\(Self.seconds(since: settling))"])
            }
        } catch let error as FixtureError {
            throw StartupError(description: "invalid fixtures:\n" + error.description)
        } catch let error as LoadCancelled {
            throw error
        } catch {
            throw StartupError(description: "cannot load the fixtures into \(configuration.store.displayName): \(error)")
        }
        self.app = app
        self.store = store.reader
        var http = configuration.http
        http.tls = tls?.identity
        http.libraryMessages = Self.libraryMessages(logger, https: tls != nil)
        do {
            self.http = try HTTPServer(configuration: http, responder: app)
        } catch {
            throw StartupError(description: "\(error)")
        }
        app.engine.loadProgress.withLock { $0 = Self.loggedProgress(logger) }
        logger.info(
            "serving", metadata: ["url": "\(url)", "store": "\(configuration.store.displayName)", "fixtureJobs": "\(loaded)"])
        if configuration.adminToken == nil, Self.isReachableByOthers(configuration.http.host),
            data.isFirstTime("control-api-open-notice-given")
        {
            logger.warning(
                "the control API (/__admin: reset, fixtures, faults, the request journal) is open to anyone who can reach \(configuration.http.host); set --admin-token or CCKM_MOCK_ADMIN_TOKEN (said once per data folder)"
            )
        }
    }

    /// Progress of a JSON Lines load through the control API (a reset, a fixture load): a line
    /// when a file begins, every 5 seconds while it loads, and when it is done.
    static func loggedProgress(_ logger: Logger) -> LoadProgress {
        let lastLine = Mutex<Duration>(.zero)
        return LoadProgress { step in
            let due = lastLine.withLock { last in
                guard step.bytes == 0 || step.finished || step.elapsed - last >= .seconds(5) else { return false }
                last = step.elapsed
                return true
            }
            guard due else { return }
            logger.info(
                step.finished ? "fixture file loaded" : step.bytes == 0 ? "loading a fixture file" : "loading a fixture file: so far",
                metadata: ["path": "\(step.path)", "jobs": "\(step.jobs)", "bytes": "\(step.bytes) of \(step.totalBytes)"])
        }
    }

    /// libmicrohttpd's messages: a TLS handshake that failed is, on a test machine, nearly always
    /// plain HTTP sent to the HTTPS port, which the client sees only as an empty reply; the log
    /// says so and what to do, once a minute at the most. Every other message is for debugging.
    static func libraryMessages(_ logger: Logger, https: Bool) -> @Sendable (String) -> Void {
        let lastWarning = Mutex<ContinuousClock.Instant?>(nil)
        return { message in
            guard https, message.lowercased().contains("tls") || message.contains("handshake") else {
                logger.debug("libmicrohttpd: \(message)")
                return
            }
            let now = ContinuousClock.now
            let due = lastWarning.withLock { last in
                guard last.map({ now - $0 >= .seconds(60) }) ?? true else { return false }
                last = now
                return true
            }
            guard due else { return }
            if message.hasPrefix("plain HTTP on the HTTPS port") {
                logger.warning(
                    "a client sent plain http:// to this HTTPS port and got a 400 naming its https:// URL: use https:// (the certificate is at /__admin/tls/cert.pem) or serve with --tls off",
                    metadata: ["request": "\(message)"])
            } else {
                logger.warning(
                    "a TLS handshake on this HTTPS port failed (a client that offers neither TLS 1.3 nor 1.2, or that rejected the certificate?): the certificate is at /__admin/tls/cert.pem",
                    metadata: ["libmicrohttpd": "\(message)"])
            }
        }
    }

    /// Seconds since `start`, to the millisecond, for the start-up's log.
    private static func seconds(since start: ContinuousClock.Instant) -> String {
        let milliseconds = (ContinuousClock.now - start).wholeMicroseconds / 1000
        return "\(milliseconds / 1000).\(String(milliseconds % 1000 + 1000).dropFirst())"
    }

    /// The base URL a client on this machine opens: loopback when the server listens on every
    /// interface (a browser cannot open `0.0.0.0`).
    public var localURL: String {
        let host = MockServer.reachableHost(configuration.http.host)
        return "\(http.configuration.tls == nil ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):\(http.port)"
    }

    /// The address a client on this machine uses for a server bound to `host`: loopback for the
    /// all-interfaces addresses, `host` otherwise.
    public static func reachableHost(_ host: String) -> String {
        switch host {
        case "", "0.0.0.0": "127.0.0.1"
        case "::", "[::]": "::1"
        default: host
        }
    }

    /// The base URL clients use, with the port actually bound.
    public var url: String {
        let host = configuration.http.host.contains(":") ? "[\(configuration.http.host)]" : configuration.http.host
        return "\(http.configuration.tls == nil ? "http" : "https")://\(host):\(http.port)"
    }

    /// The names this server answers for: its bound address, this machine's name, the generated
    /// certificate's extra names and `--allow-host` ones (loopback names and IP literals always).
    static func hostPolicy(_ configuration: MockConfiguration) -> HostPolicy {
        var names = [configuration.http.host] + configuration.allowedHosts
        if case .generated(let extraNames) = configuration.tls { names += extraNames }
        names.append(ProcessInfo.processInfo.hostName)
        return HostPolicy(names: names, any: configuration.allowedHosts.contains("*"))
    }

    /// The certificate to serve, checked, with its file when there is one; logs where it is and its
    /// fingerprint, for pinning.
    private static func tlsIdentity(_ choice: TLSChoice, data: DataDirectory, logger: Logger) throws -> (identity: TLSIdentity, path: String?)? {
        let identity: TLSIdentity
        let path: String?
        switch choice {
        case .off:
            return nil
        case .generated(let extraNames):
            do {
                (identity, path) = try data.certificate(names: (["localhost", "127.0.0.1", "::1"] + extraNames).uniqued())
            } catch {
                throw StartupError(description: "cannot make a TLS certificate: \(error)")
            }
        case .files(let certificate, let privateKey):
            guard let certificatePEM = try? String(contentsOfFile: certificate, encoding: .utf8) else {
                throw StartupError(description: "cannot read TLS certificate \(certificate)")
            }
            guard let keyPEM = try? String(contentsOfFile: privateKey, encoding: .utf8) else {
                throw StartupError(description: "cannot read TLS private key \(privateKey)")
            }
            identity = TLSIdentity(certificatePEM: certificatePEM, privateKeyPEM: keyPEM)
            path = certificate
        }
        do {
            let facts = try identity.inspect()
            logger.info(
                "TLS certificate",
                metadata: [
                    "path": "\(path ?? "(in memory)")", "sha256": "\(facts.fingerprintText)",
                    "names": "\(facts.subjectAltNames.joined(separator: ","))",
                ])
        } catch {
            throw StartupError(description: "invalid TLS certificate or key: \(error)")
        }
        return (identity, path)
    }

    /// Stops accepting, answers parked waiters, finishes requests in flight, stops the threads. Idempotent.
    public func shutdown() {
        app.waiters.releaseAll(with: app.respondWhileStopping())
        http.shutdown()
        // The access log's last lines go out before the process does.
        LineWriter.standardError.flush()
        folderLock?.release()
    }

    /// Whether `host` is reachable from this machine only.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Whether binding `host` may open the control API to others: every interface does, and so
    /// does a public address; loopback does not, nor a private or link-local address the user
    /// picked (RFC 1918, RFC 4193, 169.254/16, fe80::/10), whose network they chose.
    static func isReachableByOthers(_ host: String) -> Bool {
        if isLoopback(host) { return false }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        if octets.count == 4, !octets.contains(nil) {
            let (a, b) = (octets[0]!, octets[1]!)
            let isPrivate = a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 169 && b == 254)
            return !isPrivate
        }
        // A name (not an address) may resolve anywhere: it warns.
        guard host.contains(":") else { return true }
        let lower = host.lowercased()
        let isPrivateV6 =
            lower.hasPrefix("fc") || lower.hasPrefix("fd") || lower.hasPrefix("fe8") || lower.hasPrefix("fe9")
            || lower.hasPrefix("fea") || lower.hasPrefix("feb")
        return !isPrivateV6
    }

    /// Makes sure `path` is a writable directory, creating it if missing, readable by its owner
    /// only (mode 700): it holds refresh tokens, the JWT signing key and the TLS private key.
    public static func prepareDataDirectory(_ path: String) throws {
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path) {
            guard attributes[.type] as? FileAttributeType == .typeDirectory else {
                throw StartupError(description: "data directory \(path) is a file, not a directory")
            }
            guard FileManager.default.isWritableFile(atPath: path) else {
                throw StartupError(description: "data directory \(path) is not writable")
            }
            // As ssh does with ~/.ssh: a folder someone else made, or could change, may hold a
            // signing key they chose (and so forge any token); it is refused, not used as found.
            if let problem = DataDirectory.untrusted(path, secret: false, folder: true) {
                throw StartupError(description: "data directory \(problem)")
            }
            // Best effort: a mounted volume may not let its user change the mode; the files inside are 600 anyway.
            try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StartupError(description: "cannot create data directory \(path): \(error.localizedDescription)")
        }
    }
}

extension StoreLocation {
    var directoryPath: String? {
        if case .directory(let path) = self { return path }
        return nil
    }

    var displayName: String {
        switch self {
        case .memory: ":memory:"
        case .directory(let path): path
        }
    }
}
