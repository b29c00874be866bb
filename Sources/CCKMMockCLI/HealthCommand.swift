import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMLab
import CCKMMock
import CCKMServer
import CCKMStore
import HTTPServer

/// `cckm-mock health`: exit 0 when a cckm-mock answers `/__admin/health`, 1 otherwise, with one line
/// saying why. A container's HEALTHCHECK: it reads the same `CCKM_MOCK_*` variables as `serve`.
public struct HealthCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that a cckm-mock answers; exit 0 if it does, 1 if not.",
        discussion: """
            Asks GET /__admin/health and expects cckm-mock's {"status":"ok"}. Without --url the address comes \
            from the variables serve reads: CCKM_MOCK_TLS (https unless off), CCKM_MOCK_HOST (an all-interfaces \
            address is asked on loopback) and CCKM_MOCK_PORT (8443). The certificate is not checked: this is the \
            server's own health, not a client's trust.
            """
    )

    @Option(help: "The server's base URL, e.g. https://127.0.0.1:8443. (default: from the CCKM_MOCK_* variables)")
    public var url: String?

    @Option(help: "Seconds to wait for the answer.")
    public var timeout: Double = 2

    public init() {}

    public func validate() throws {
        guard timeout > 0, timeout <= 300 else { throw ValidationError("--timeout must be more than 0 and at most 300 seconds, got \(timeout)") }
        if let url { try checkURLOption(url, flag: "--url", advice: "health logs in to nothing") }
    }

    public func run() throws {
        let target: String
        do {
            target = try url ?? Self.url(from: Environment.current)
        } catch {
            // A variable serve would refuse names the server that is not there: checking 8443
            // instead would report on some other server.
            printError("unhealthy: \(error)")
            throw ExitCode.failure
        }
        switch Self.check(target, timeout: timeout) {
        case .success(let line):
            writeLine(line, to: 1)
        case .failure(let reason):
            printError(ConformReport.printable(reason.description))
            throw ExitCode.failure
        }
    }

    /// `serve`'s address as a client on this machine reaches it; throws for a value `serve` refuses.
    static func url(from environment: Environment) throws(ValidationError) -> String {
        let tls = try ServeSetting.tls.value(nil, in: environment) == .on
        let host = ServingMock.reachableHost(try ServeSetting.host.value(nil, in: environment))
        let port = try ServeSetting.port.value(nil, in: environment)
        guard port != 0 else {
            throw ValidationError("CCKM_MOCK_PORT=0 lets serve pick a free port; pass --url with the address serve printed")
        }
        return "\(tls ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// The one-line verdict.
    static func check(_ url: String, timeout: Double) -> Result<String, HTTPClient.Failure> {
        guard let endpoint = HTTPClient.Endpoint(url: url) else { return .failure(.init(description: "unhealthy: \(url) is not an http(s) URL")) }
        do {
            let answer = try HTTPClient(endpoint: endpoint, timeout: timeout).send("GET", "/__admin/health")
            let body = (try? JSONParser.parse(answer.body))?["status"]?.stringValue
            guard answer.status == 200, body == "ok" else {
                return .failure(.init(description: "unhealthy: \(url) answered \(answer.status), not cckm-mock's health"))
            }
            return .success("healthy: \(url)")
        } catch {
            return .failure(.init(description: "unhealthy: \(url): \(error)"))
        }
    }
}
