import ArgumentParser
import CCKMMock

/// `cckm-mock demo`: the dashboard with a demo scenario, jobs finishing in seconds.
public struct DemoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Serve a demo scenario and print the dashboard's URL.",
        discussion: """
            Loads fixtures/demo.json (or --fixtures), keeps everything in memory, serves plain HTTP with login \
            off on 127.0.0.1:8080 (so a browser opens the page without a certificate warning), and runs jobs \
            on the system clock --time-scale times faster. Open the printed URL; stop with Ctrl-C.
            """
    )

    @Option(help: "Port to listen on; 0 picks a free one.")
    public var port = 8080

    @Option(help: "Run simulated durations this many times faster.")
    public var timeScale = 2.0

    @Option(help: ArgumentHelp("Fixture files; default fixtures/demo.json.", valueName: "file"))
    public var fixtures: [String] = ["fixtures/demo.json"]

    public init() {}

    public func run() async throws {
        var serve = try ServeCommand.parse(
            [
                "--port", String(port), "--data", ":memory:", "--tls", "off", "--auth", "off", "--time-scale", String(timeScale),
            ] + fixtures.flatMap { ["--fixtures", $0] })
        serve.announceDashboard = true
        try await serve.run()
    }
}
