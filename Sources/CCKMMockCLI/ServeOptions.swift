import ArgumentParser
import CCKMMock
import HTTPServer
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The process environment, passed in so that tests can resolve options without touching it.
public struct Environment: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    public static var current: Environment {
        var values: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return Environment(values)
    }

    subscript(name: String) -> String? { values[name] }
}

/// The flags of `serve`. Each is optional here so that, when absent, its environment variable and
/// then its default apply; `resolve` does that and checks the result.
public struct ServeOptions: ParsableArguments {
    @Option(help: "Address to listen on. (env: CCKM_MOCK_HOST; default: 127.0.0.1)")
    public var host: String?

    @Option(help: "Port to listen on; 0 picks a free one. (env: CCKM_MOCK_PORT; default: 8443)")
    public var port: Int?

    @Option(
        help: ArgumentHelp(
            "Data directory for the job store (jobs.sqlite), created if missing; ':memory:' for a throwaway store. (env: CCKM_MOCK_DATA; default: ./.cckm-mock)",
            valueName: "dir"))
    public var data: String?

    @Option(
        name: .customLong("fixtures"),
        help: ArgumentHelp(
            "Fixture file of jobs to seed at start; repeat for several. (env: CCKM_MOCK_FIXTURES, comma-separated)", valueName: "file"))
    public var fixtures: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical. (env: CCKM_MOCK_LOG_LEVEL; default: info)")
    public var logLevel: String?

    @Option(help: "Worker threads, each with its own epoll loop. (env: CCKM_MOCK_THREADS; default: the number of cores)")
    public var threads: Int?

    @Option(help: "Connections open at once, all clients together. (env: CCKM_MOCK_MAX_CONNECTIONS; default: 4096)")
    public var maxConnections: Int?

    @Option(
        name: .customLong("per-ip-limit"),
        help: "Connections open at once from one IP address; 0 for no limit. (env: CCKM_MOCK_PER_IP_LIMIT; default: 0)")
    public var perIPLimit: Int?

    @Option(help: "Seconds before an idle or stalled connection is closed. (env: CCKM_MOCK_IDLE_TIMEOUT; default: 30)")
    public var idleTimeout: Int?

    @Option(help: "Largest request body accepted, in bytes; larger ones get 413. (env: CCKM_MOCK_MAX_BODY; default: 1048576)")
    public var maxBody: Int?

    public init() {}

    /// Flags, then environment variables, then defaults; throws `ValidationError` naming the bad one.
    public func resolve(environment: Environment) throws -> ServeSettings {
        func value<T>(_ flag: T?, _ variable: String, _ parse: (String) -> T?, _ fallback: T) throws -> T {
            if let flag { return flag }
            guard let text = environment[variable] else { return fallback }
            guard let parsed = parse(text) else { throw ValidationError("\(variable)=\(text) is not a valid value") }
            return parsed
        }
        let host = try value(host, "CCKM_MOCK_HOST", { $0.isEmpty ? nil : $0 }, "127.0.0.1")
        let port = try value(port, "CCKM_MOCK_PORT", { Int($0) }, 8443)
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        let data = try value(data, "CCKM_MOCK_DATA", { $0.isEmpty ? nil : $0 }, "./.cckm-mock")
        let fixtures =
            fixtures.isEmpty ? (environment["CCKM_MOCK_FIXTURES"] ?? "").split(separator: ",").map(String.init) : fixtures
        let levelName = try value(logLevel, "CCKM_MOCK_LOG_LEVEL", { $0 }, "info")
        guard let level = Logger.Level(rawValue: levelName.lowercased()) else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \(levelName)")
        }
        let threads = try value(threads, "CCKM_MOCK_THREADS", { Int($0) }, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let maxConnections = try value(maxConnections, "CCKM_MOCK_MAX_CONNECTIONS", { Int($0) }, 4096)
        let perIP = try value(perIPLimit, "CCKM_MOCK_PER_IP_LIMIT", { Int($0) }, 0)
        let idle = try value(idleTimeout, "CCKM_MOCK_IDLE_TIMEOUT", { Int($0) }, 30)
        let maxBody = try value(maxBody, "CCKM_MOCK_MAX_BODY", { Int($0) }, 1 << 20)
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256, got \(threads)") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1, got \(maxConnections)") }
        guard perIP >= 0 else { throw ValidationError("--per-ip-limit must be 0 or more, got \(perIP)") }
        guard idle >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second, got \(idle)") }
        guard maxBody >= 1 else { throw ValidationError("--max-body must be at least 1 byte, got \(maxBody)") }
        let http = HTTPServerConfiguration(
            host: host, port: port, threads: threads, connectionLimit: maxConnections, perIPConnectionLimit: perIP,
            idleTimeoutSeconds: idle, maxBodyBytes: maxBody)
        return ServeSettings(
            mock: MockConfiguration(http: http, store: data == ":memory:" ? .memory : .directory(data), fixtures: fixtures),
            logLevel: level)
    }
}

/// `serve`'s options after flags, environment and defaults were applied.
public struct ServeSettings: Sendable {
    public var mock: MockConfiguration
    public var logLevel: Logger.Level
}
