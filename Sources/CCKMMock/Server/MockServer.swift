import HTTPServer
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Everything `serve` needs, already checked: how to listen, where to store, what to seed.
public struct MockConfiguration: Sendable {
    public var http: HTTPServerConfiguration
    public var store: StoreLocation
    public var fixtures: [String]

    public init(http: HTTPServerConfiguration = HTTPServerConfiguration(), store: StoreLocation = .memory, fixtures: [String] = []) {
        self.http = http
        self.store = store
        self.fixtures = fixtures
    }
}

/// Why the mock did not start, in one line a person can act on.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String
}

/// A running mock: the store opened, fixtures seeded, the HTTP server listening.
public final class MockServer: Sendable {
    public let configuration: MockConfiguration
    public let store: JobStore
    public let app: CCKMApp
    public let http: HTTPServer

    /// Opens the store, loads the fixtures, and starts serving; returns once requests are answered.
    public init(configuration: MockConfiguration, logger: Logger = Logger(label: "cckm-mock")) throws {
        self.configuration = configuration
        let fixture: Fixture
        do {
            fixture = try Fixture.load(paths: configuration.fixtures)
        } catch {
            throw StartupError(description: "invalid fixtures:\n" + error.description)
        }
        if case .directory(let path) = configuration.store {
            try Self.prepareDataDirectory(path)
        }
        do {
            store = try JobStore(location: configuration.store, readers: configuration.http.threads + 1)
            try store.replace(fixture.jobs)
        } catch {
            throw StartupError(description: "cannot open the job store in \(configuration.store.displayName): \(error)")
        }
        app = CCKMApp(store: store, logger: logger)
        do {
            http = try HTTPServer(configuration: configuration.http, responder: app)
        } catch {
            throw StartupError(description: "\(error)")
        }
        logger.info(
            "serving", metadata: ["url": "\(url)", "store": "\(configuration.store.displayName)", "fixtureJobs": "\(fixture.jobs.count)"])
    }

    /// The base URL clients use, with the port actually bound.
    public var url: String {
        let host = configuration.http.host.contains(":") ? "[\(configuration.http.host)]" : configuration.http.host
        return "http://\(host):\(http.port)"
    }

    /// Stops accepting, finishes requests in flight, stops the threads. Idempotent.
    public func shutdown() {
        http.shutdown()
    }

    /// Makes sure `path` is a writable directory, creating it if missing.
    public static func prepareDataDirectory(_ path: String) throws {
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path) {
            guard attributes[.type] as? FileAttributeType == .typeDirectory else {
                throw StartupError(description: "data directory \(path) is a file, not a directory")
            }
            guard FileManager.default.isWritableFile(atPath: path) else {
                throw StartupError(description: "data directory \(path) is not writable")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StartupError(description: "cannot create data directory \(path): \(error.localizedDescription)")
        }
    }
}

extension StoreLocation {
    var displayName: String {
        switch self {
        case .memory: ":memory:"
        case .directory(let path): path
        }
    }
}
