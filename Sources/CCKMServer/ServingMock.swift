import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore
import Foundation
import HTTPServer
import Logging
import Synchronization

/// A built mock listening: the HTTP server around the app, until `shutdown()`.
public final class ServingMock: Sendable {
    public let application: MockApplication
    public let http: HTTPServer

    public var configuration: MockConfiguration { application.configuration }
    public var app: CCKMApp { application.app }
    /// The store's read-only face; the engine (`app.engine`) is its one writer.
    public var store: StoreReader { application.store }
    /// The certificate file clients can trust, when the server's certificate is in one.
    public var certificatePath: String? { application.tls?.path }

    init(_ application: MockApplication) throws {
        self.application = application
        let (configuration, logger) = (application.configuration, application.logger)
        var http = configuration.http
        http.tls = application.tls?.identity
        http.libraryMessages = Self.libraryMessages(logger, https: application.tls != nil)
        do {
            self.http = try HTTPServer(configuration: http, responder: application.app)
        } catch {
            throw StartupError(description: "\(error)")
        }
        logger.info(
            "serving", metadata: ["url": "\(url)", "store": "\(configuration.store.displayName)", "fixtureJobs": "\(application.fixtureJobs)"])
        if configuration.controlToken == nil, Self.isReachableByOthers(configuration.http.host),
            application.data.isFirstTime("control-api-open-notice-given")
        {
            logger.warning(
                "the control API (/__admin: reset, fixtures, faults, the request journal) is open to anyone who can reach \(configuration.http.host); set --admin-token or CCKM_MOCK_ADMIN_TOKEN (said once per data folder)"
            )
        }
    }

    /// Builds a mock and listens: what a test or a tool that serves on its own needs. `serve`
    /// runs `MockServer`, which does the same inside its service group.
    public static func start(
        _ configuration: MockConfiguration, logger: Logger = Logger(label: "cckm-mock"), progress: LoadProgress? = nil
    ) throws -> ServingMock {
        try MockApplication.build(configuration, logger: logger, progress: progress).listen()
    }

    /// Stops accepting, answers parked waiters, finishes requests in flight, stops the threads. Idempotent.
    public func shutdown() {
        app.waiters.releaseAll(with: app.respondWhileStopping())
        http.shutdown()
        // The access log's last lines go out before the process does.
        LineWriter.standardError.flush()
        application.close()
    }

    /// The base URL a client on this machine opens: loopback when the server listens on every
    /// interface (a browser cannot open `0.0.0.0`).
    public var localURL: String {
        let host = Self.reachableHost(configuration.http.host)
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

}

extension MockApplication {
    /// Starts serving; answers requests once this returns.
    public func listen() throws -> ServingMock {
        do {
            return try ServingMock(self)
        } catch {
            close()
            throw error
        }
    }
}
