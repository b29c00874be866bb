import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore
import HTTPServer
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// `cckm-mock serve`: open the store, seed the fixtures, listen, and run until SIGINT, SIGTERM or SIGHUP.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the CCKM job API.",
        discussion: """
            Prints one line `listening on <scheme>://<host>:<port>` on standard output once requests are \
            answered (with the real port when --port is 0); logs go to standard error. SIGINT, SIGTERM or SIGHUP \
            (a closed terminal) stop it gracefully: no new connections, requests in flight finish, waits parked \
            on a job are answered 503, exit 0.
            """
    )

    @OptionGroup public var options: ServeOptions

    public init() {}

    public mutating func validate() throws {
        _ = try options.resolve(environment: Environment.current)
    }

    public func run() async throws {
        try await Self.serve(try options.resolve(environment: Environment.current), announceDashboard: false)
    }

    /// Serves until SIGINT, SIGTERM or SIGHUP; `demo` calls it too, with its own defaults resolved.
    /// `demoClient`: `demo`'s own client runs beside the server (`DemoClientService`).
    static func serve(_ settings: ServeSettings, announceDashboard: Bool, demoClient: Bool = false) async throws {
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: settings.logLevel) }
        let logger = Logger(label: "cckm-mock")
        let server: MockServer
        let progress = LoadReporter.progress()
        let signals = StopSignals(progress)
        defer { signals.cancel() }
        do {
            server = try MockServer(configuration: settings.mock, logger: logger, progress: progress)
        } catch let cancelled as LoadCancelled {
            // A stop asked for during the load: said, and a clean exit, as a stop while serving.
            LineLogHandler.flush()
            printError("\n\(cancelled)")
            return
        } catch {
            LineLogHandler.flush()
            printError("error: \(error)")
            throw ExitCode.failure
        }
        var services: [any Service] = [
            MockServerService(server: server, announceDashboard: announceDashboard),
            SimulatorService(engine: server.app.engine, logger: logger),
        ]
        if demoClient { services.append(DemoClientService(url: server.localURL)) }
        let group = ServiceGroup(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint, .sighup], logger: logger)
        // A stop that came after the load (the index build's last statement, the listening
        // socket's start) or comes before the group has its own handlers stops the group at once.
        signals.then({ Task { await group.triggerGracefulShutdown() } }, ifAlreadySignalled: progress.isCancelled)
        try await group.run()
        logger.info("stopped")
        LineLogHandler.flush()
    }
}

/// Runs until the service group asks for a graceful shutdown, then stops the server.
struct MockServerService: Service {
    let server: MockServer
    var announceDashboard = false

    func run() async throws {
        // Said here, not before the group runs: the group traps SIGINT, SIGTERM and SIGHUP before it starts
        // its services, so a harness that signals as soon as it reads this line gets a clean stop.
        writeLine("listening on \(server.url)", to: STDOUT_FILENO)
        // A client verifies TLS with this file (or fetches it from /__admin/tls/cert.pem).
        if let path = server.certificatePath { writeLine("certificate: \(path)", to: STDOUT_FILENO) }
        if announceDashboard { writeLine("dashboard: \(server.localURL)/__admin/ui", to: STDOUT_FILENO) }
        try? await gracefulShutdown()
        server.shutdown()
    }
}

func printError(_ message: String) {
    writeLine(message, to: STDERR_FILENO)
}

/// One unbuffered write, so a harness reading the pipe sees the line at once.
func writeLine(_ text: String, to descriptor: Int32) {
    writeAll(text + "\n", to: descriptor)
}

/// Writes all of `text`, however many calls it takes.
func writeAll(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        guard written > 0 else { return }
        offset += written
    }
}
