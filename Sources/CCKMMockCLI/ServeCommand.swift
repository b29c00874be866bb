import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMServer
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
    /// `demoClient`: `demo`'s own client runs beside the server (`DemoClientService`). The service
    /// group traps the signals before the mock's load begins, so a stop at any moment is clean.
    static func serve(_ settings: ServeSettings, announceDashboard: Bool, demoClient: Bool = false) async throws {
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: settings.logLevel) }
        let logger = Logger(label: "cckm-mock")
        let server = MockServer(
            configuration: settings.mock, logger: logger, progress: LoadReporter.progress(),
            listening: { serving in
                // A harness that signals as soon as it reads this line gets a clean stop: the group's
                // handlers are in place.
                writeLine("listening on \(serving.url)", to: STDOUT_FILENO)
                // A client verifies TLS with this file (or fetches it from /__admin/tls/cert.pem).
                if let path = serving.certificatePath { writeLine("certificate: \(path)", to: STDOUT_FILENO) }
                if announceDashboard { writeLine("dashboard: \(serving.localURL)/__admin/ui", to: STDOUT_FILENO) }
            },
            companions: { serving in demoClient ? [DemoClientService(url: serving.localURL)] : [] })
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint, .sighup], logger: logger)
        do {
            try await group.run()
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
        logger.info("stopped")
        LineLogHandler.flush()
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
