import ArgumentParser
import CCKMCore
import CCKMMock
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMockCLI

@Suite(.inProcess()) struct CLITests {
    func settings(_ arguments: [String], environment: [String: String] = [:]) throws -> ServeSettings {
        let command = try #require(try CCKMMockCommand.parseAsRoot(arguments) as? ServeCommand)
        return try command.options.resolve(environment: Environment(environment))
    }

    @Test func defaults() throws {
        let resolved = try settings(["serve"])
        #expect(resolved.mock.http.host == "127.0.0.1" && resolved.mock.http.port == 8443)
        #expect(resolved.mock.store == .directory("./.cckm-mock") && resolved.mock.fixtures.isEmpty)
        #expect(resolved.logLevel == .info && resolved.mock.http.maxBodyBytes == 1 << 20 && resolved.mock.http.idleTimeoutSeconds == 30)
    }

    @Test(arguments: [("serv", "serve"), ("sevre", "serve"), ("fixture", "fixtures"), ("helth", "health"), ("famlies", "families")])
    func aMisspeltCommandNamesTheOneMeant(typed: String, meant: String) {
        #expect(
            CCKMMockCommand.unknownCommandMessage([typed, "--port", "0"])
                == "Error: unknown command '\(typed)'. Did you mean '\(meant)'? (`cckm-mock --help` lists the commands)")
    }

    @Test func anUnguessableCommandListsThemAndFlagsAndCommandsPass() {
        #expect(CCKMMockCommand.unknownCommandMessage(["xyz"])?.hasPrefix("Error: unknown command 'xyz'. The commands: serve, demo, health,") == true)
        #expect(CCKMMockCommand.unknownCommandMessage(["--port", "0"]) == nil)
        #expect(CCKMMockCommand.unknownCommandMessage(["serve", "x"]) == nil)
        #expect(CCKMMockCommand.unknownCommandMessage([]) == nil)
    }

    @Test func aLoadSaysItsJobsShareRateAndTimeLeft() {
        let half = LoadProgress.Step(
            path: "/tmp/big.jsonl", jobs: 150_000, bytes: 100 << 20, totalBytes: 200 << 20, elapsed: .seconds(3), finished: false)
        #expect(LoadReporter.describe(half) == "loading big.jsonl: 150,000 jobs, 50 % of 200 MB, 50,000 jobs/s, about 3 s left")
        let begun = LoadProgress.Step(path: "big.jsonl", jobs: 0, bytes: 0, totalBytes: 3 << 10, elapsed: .zero, finished: false)
        #expect(LoadReporter.describe(begun) == "loading big.jsonl (3 KB)…")
        let done = LoadProgress.Step(path: "a/big.jsonl", jobs: 300_000, bytes: 1, totalBytes: 1, elapsed: .milliseconds(10_400), finished: true)
        #expect(LoadReporter.describe(done) == "read big.jsonl: 300,000 jobs in 10.4 s; indexing them next")
    }

    @Test func serveIsTheDefaultVerb() throws {
        #expect(try CCKMMockCommand.parseAsRoot(["--port", "0"]) is ServeCommand)
    }

    @Test func flagsWinOverEnvironment() throws {
        let resolved = try settings(
            ["serve", "--port", "0", "--data", ":memory:", "--fixtures", "demo", "--fixtures", "tenants", "--log-level", "DEBUG"],
            environment: ["CCKM_MOCK_PORT": "9", "CCKM_MOCK_DATA": "/x", "CCKM_MOCK_FIXTURES": "happy-path"])
        #expect(resolved.mock.http.port == 0 && resolved.mock.store == .memory && resolved.mock.fixtures == ["demo", "tenants"])
        #expect(resolved.logLevel == .debug)
    }

    @Test func environmentFillsWhatFlagsLeave() throws {
        let resolved = try settings(
            ["serve"],
            environment: [
                "CCKM_MOCK_HOST": "::1", "CCKM_MOCK_PORT": "9000", "CCKM_MOCK_DATA": "/tmp/d", "CCKM_MOCK_FIXTURES": "demo,tenants",
                "CCKM_MOCK_LOG_LEVEL": "warning", "CCKM_MOCK_THREADS": "3", "CCKM_MOCK_MAX_CONNECTIONS": "10", "CCKM_MOCK_PER_IP_LIMIT": "4",
                "CCKM_MOCK_IDLE_TIMEOUT": "5", "CCKM_MOCK_MAX_BODY": "100",
            ])
        #expect(resolved.mock.http.host == "::1" && resolved.mock.http.port == 9000 && resolved.mock.store == .directory("/tmp/d"))
        #expect(resolved.mock.fixtures == ["demo", "tenants"] && resolved.logLevel == .warning && resolved.mock.http.threads == 3)
        #expect(resolved.mock.http.connectionLimit == 10 && resolved.mock.http.perIPConnectionLimit == 4)
        #expect(resolved.mock.http.idleTimeoutSeconds == 5 && resolved.mock.http.maxBodyBytes == 100)
    }

    @Test func simulatorFlags() throws {
        let resolved = try settings([
            "serve", "--clock", "manual", "--start-time", "2024-01-02T03:04:05Z", "--seed", "7", "--target-duration", "0.5-2",
            "--failure-rate", "0.25", "--time-scale", "10", "--allow-concurrent-jobs",
        ])
        #expect(resolved.mock.clock == .manual(start: Timestamp(rfc3339: "2024-01-02T03:04:05Z")!) && resolved.mock.seed == 7)
        #expect(
            resolved.mock.simulator
                == SimulatorSettings(targetDuration: 0.5...2, failureRate: 0.25, timeScale: 10, allowConcurrentJobs: true))
        let fromEnvironment = try settings(
            ["serve"],
            environment: [
                "CCKM_MOCK_CLOCK": "manual", "CCKM_MOCK_SEED": "3", "CCKM_MOCK_TARGET_DURATION": "4", "CCKM_MOCK_FAILURE_RATE": "1",
                "CCKM_MOCK_TIME_SCALE": "2", "CCKM_MOCK_ALLOW_CONCURRENT_JOBS": "true",
            ])
        #expect(fromEnvironment.mock.clock == .manual(start: ManualClock.defaultStart) && fromEnvironment.mock.seed == 3)
        #expect(
            fromEnvironment.mock.simulator == SimulatorSettings(targetDuration: 4...4, failureRate: 1, timeScale: 2, allowConcurrentJobs: true))
        let defaults = try settings(["serve"])
        #expect(defaults.mock.clock == .system && defaults.mock.seed == nil && defaults.mock.simulator == SimulatorSettings())
    }

    @Test func tlsAndAuthFlags() throws {
        let defaults = try settings(["serve"])
        #expect(defaults.mock.tls == .generated(extraNames: []) && defaults.mock.auth == AuthSettings())
        let resolved = try settings([
            "serve", "--tls-san", "mock.test", "--user", "qa:p:w", "--domain", "team-a", "--domain", "root", "--token-ttl", "60",
        ])
        #expect(resolved.mock.tls == .generated(extraNames: ["mock.test"]))
        #expect(resolved.mock.auth.accounts == Accounts(users: ["admin": "admin", "qa": "p:w"], domains: ["team-a"]))
        #expect(resolved.mock.auth.tokenTTL == 60 && resolved.mock.auth.enabled)
        #expect(try settings(["serve", "--tls-cert", "c.pem", "--tls-key", "k.pem"]).mock.tls == .files(certificate: "c.pem", privateKey: "k.pem"))
        let off = try settings(["serve"], environment: ["CCKM_MOCK_TLS": "off", "CCKM_MOCK_AUTH": "off", "CCKM_MOCK_DOMAINS": "x,y"])
        #expect(off.mock.tls == .off && !off.mock.auth.enabled && off.mock.auth.accounts.domains == ["x", "y"])
    }

    @Test(arguments: [
        (["serve", "--port=-1"], [String: String](), "--port must be between 0 and 65535"),
        (["serve", "--log-level", "loud"], [:], "--log-level must be one of"),
        (["serve", "--threads", "0"], [:], "--threads must be between 1 and 256"),
        (["serve", "--idle-timeout", "0"], [:], "--idle-timeout must be between 1 and 86400 seconds"),
        (["serve"], ["CCKM_MOCK_PORT": "eighty"], "CCKM_MOCK_PORT must be between 0 and 65535, got eighty"),
        (["serve", "--clock", "lunar"], [:], "--clock must be system or manual"),
        (["serve", "--start-time", "noon"], [:], "--start-time must be an RFC 3339 time"),
        (["serve", "--target-duration", "5-2"], [:], "--target-duration must be N or MIN-MAX"),
        (["serve", "--failure-rate", "1.5"], [:], "--failure-rate must be between 0 and 1"),
        (["serve", "--time-scale", "0"], [:], "--time-scale must be from 0.001 to 10000"),
        (["serve"], ["CCKM_MOCK_SEED": "x"], "CCKM_MOCK_SEED must be a whole number from 0 to 18446744073709551615, got x"),
        (["serve", "--tls", "maybe"], [:], "--tls must be on or off"),
        (["serve", "--tls-cert", "c.pem"], [:], "--tls-cert and --tls-key go together"),
        (["serve", "--tls", "off", "--tls-key", "k.pem"], [:], "need --tls on"),
        (["serve", "--auth", "sometimes"], [:], "--auth must be on or off"),
        (["serve", "--user", "nopassword"], [:], "--user must be NAME:PASSWORD"),
        (["serve", "--token-ttl", "0"], [:], "--token-ttl must be a whole number of seconds"),
    ])
    func badValuesAreNamed(arguments: [String], environment: [String: String], message: String) throws {
        #expect {
            _ = try settings(arguments, environment: environment)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func everySettingIsInTheHelpWithItsVariableAndADefaultItsRuleReads() {
        let help = ServeCommand.helpMessage(columns: 10_000)
        for row in ServeSetting.all {
            #expect(help.contains("--\(row.flag)"), "\(row.flag)")
            #expect(help.contains("(\(row.environmentNote))"), "\(row.flag): \(row.environmentNote)")
            #expect(row.defaultIsReadable, "\(row.flag)'s default")
        }
        #expect(
            Set(ServeSetting.all.map(\.flag)).count == ServeSetting.all.count && Set(ServeSetting.all.map(\.variable)).count == ServeSetting.all.count
        )
    }

    /// docs/cli.md's table of `serve` settings has a line for each row, flag and variable together, and
    /// no line for a setting that is not one.
    @Test func theDocsTableIsTheSettingsTable() throws {
        let lines = try String(contentsOfFile: Paths.repository + "/docs/cli.md", encoding: .utf8).split(separator: "\n")
        let table = lines.filter { $0.hasPrefix("| `--") }
        for row in ServeSetting.all {
            let line = table.first { $0.hasPrefix("| `--\(row.flag)` | `\(row.variable)") }
            #expect(line != nil, "docs/cli.md has no line for --\(row.flag) and \(row.variable)")
            if let line, let text = row.defaultValue {
                #expect(line.contains("| `\(text)` |"), "docs/cli.md shows another default for --\(row.flag)")
            }
        }
        #expect(table.count == ServeSetting.all.count, "\(table.count) lines for \(ServeSetting.all.count) settings")
    }

    @Test func aFlagsVariableIsReadByTheSameRule() throws {
        #expect(throws: ValidationError.self) { _ = try settings(["serve"], environment: ["CCKM_MOCK_ALLOW_CONCURRENT_JOBS": "maybe"]) }
        #expect(try settings(["serve"], environment: ["CCKM_MOCK_ALLOW_CONCURRENT_JOBS": "0"]).mock.simulator.allowConcurrentJobs == false)
        #expect {
            _ = try settings(["serve"], environment: ["CCKM_MOCK_USERS": "qa:pw,nopassword"])
        } throws: { error in
            "\(error)" == "CCKM_MOCK_USERS must be NAME:PASSWORD, got nopassword"
        }
        #expect(try settings(["serve"], environment: ["CCKM_MOCK_ACCESS_LOG": "JSON"]).mock.accessLog == .json)
        #expect(try settings(["serve", "--log-level", "error"]).mock.accessLog == .off)
        #expect(try settings(["serve", "--threads", "3"]).mock.http.threads == 3)
    }
}

/// `health` resolves its URL as `serve` resolves its settings (issue 24).
@Suite(.inProcess()) struct HealthURLTests {
    @Test(arguments: ["abc", "0", "70000", "-1", ""])
    func healthRefusesAPortServeWouldRefuse(port: String) {
        #expect(throws: ValidationError.self) { try HealthCommand.url(from: Environment(["CCKM_MOCK_PORT": port])) }
    }

    @Test func healthRefusesATLSModeServeWouldRefuse() throws {
        #expect(throws: ValidationError.self) { try HealthCommand.url(from: Environment(["CCKM_MOCK_TLS": "yes"])) }
        let url = try HealthCommand.url(from: Environment(["CCKM_MOCK_PORT": "9000", "CCKM_MOCK_TLS": "off"]))
        #expect(url == "http://127.0.0.1:9000")
    }
}
