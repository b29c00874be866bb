import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore

/// `cckm-mock demo`: the dashboard with the built-in demo scenario, jobs finishing in seconds.
public struct DemoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Serve a demo scenario and print the dashboard's URL.",
        discussion: """
            Takes every flag and CCKM_MOCK_* variable of serve, with other defaults: the built-in demo scenario \
            (--fixtures demo), a throwaway store (--data :memory:), plain HTTP (--tls off, so a browser opens the \
            page without a certificate warning), login off, port 8080, and jobs on the system clock twice as fast \
            (--time-scale 2). A built-in client lists and reads jobs every 5 s, so the request log shows a client's \
            traffic (--no-client: none). Works from any folder. Open the printed dashboard URL; stop with Ctrl-C.
            """
    )

    /// What `demo` uses where neither a flag nor a variable says otherwise.
    static let defaults = [
        "CCKM_MOCK_FIXTURES": "demo", "CCKM_MOCK_DATA": ":memory:", "CCKM_MOCK_TLS": "off", "CCKM_MOCK_AUTH": "off",
        "CCKM_MOCK_PORT": "8080", "CCKM_MOCK_TIME_SCALE": "2",
    ]

    @OptionGroup public var options: ServeOptions

    @Flag(
        inversion: .prefixedNo,
        help: "A built-in client lists and reads jobs every 5 s, family after family, so the dashboard's request log shows a client's traffic.")
    public var client = true

    public init() {}

    /// The environment with the demo's defaults under it: a variable that is set still wins.
    static func environment(_ current: Environment) -> Environment {
        Environment(current.values.merging(defaults) { set, _ in set })
    }

    public mutating func validate() throws {
        _ = try options.resolve(environment: Self.environment(.current))
    }

    public func run() async throws {
        try await ServeCommand.serve(try options.resolve(environment: Self.environment(.current)), announceDashboard: true, demoClient: client)
    }
}
