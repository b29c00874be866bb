import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

/// What a team without Swift reaches the mock through (issue 14): built-in scenarios, `demo` from
/// any folder, `health` as a container's probe, the certificate on request.
@Suite(.live()) struct ReachTests {
    // MARK: built-in scenarios

    @Test func everyShippedFixtureIsCompiledInByteForByte() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Paths.repository + "/fixtures")
            .filter { $0.hasSuffix(".json") && $0 != "schema.json" }.map { String($0.dropLast(5)) }.sorted()
        #expect(BuiltInScenario.all.map(\.name) == files, "run scripts/gen-builtin-scenarios")
        for scenario in BuiltInScenario.all {
            let file = try String(contentsOfFile: Paths.repository + "/fixtures/\(scenario.name).json", encoding: .utf8)
            #expect(scenario.text == file.trimmingCharacters(in: .newlines), "\(scenario.name): run scripts/gen-builtin-scenarios")
            #expect(!scenario.summary.isEmpty)
        }
    }

    @Test func aBareNameLoadsTheBuiltInAndAFileWins() throws {
        let builtIn = try Fixture.load(paths: ["docs-examples"], now: ManualClock.defaultStart)
        #expect(builtIn.jobs.count == 6)
        #expect(try Fixture.load(paths: ["demo.json", "tenants"], now: ManualClock.defaultStart).jobs.count == 23)
        let directory = try Paths.temporaryDirectory()
        try #"{"jobs":[]}"#.write(toFile: directory + "/demo", atomically: true, encoding: .utf8)
        let validate = try ServerProcess(["fixtures", "validate", "demo", "tenants"], in: directory)
        #expect(validate.firstLine() == "ok: 2 file(s), 3 job(s)", "the file named demo in the working folder wins")
        #expect(validate.finish().status == 0)
    }

    @Test func anUnknownNameExits2ListingTheBuiltIns() throws {
        let (status, errors) = try ServerProcess(["serve", "--port", "0", "--fixtures", "nope"]).finish()
        #expect(status == 2)
        #expect(errors.contains("--fixtures must be a fixture file or a built-in scenario (built-in: cancel-race, demo, docs-examples,"))
        #expect(errors.contains("), got nope"))
        #expect(try ServerProcess(["fixtures", "validate", "nope"]).finish().status == 1)
        let typo = try ServerProcess(["serv", "--port", "0"]).finish()
        #expect(typo.status == 2 && typo.errors.contains("Did you mean 'serve'?"), "\(typo)")
    }

    @Test func fixturesListPrintsEachBuiltInWithALine() throws {
        let process = try ServerProcess(["fixtures", "list"])
        var lines: [String] = []
        while let line = process.firstLine() { lines.append(line) }
        #expect(process.finish().status == 0)
        #expect(lines.map { String($0.prefix { $0 != " " }) } == BuiltInScenario.all.map(\.name))
        #expect(lines.first { $0.hasPrefix("docs-examples ") }?.contains("field for field") == true)
    }

    // MARK: demo from anywhere

    @Test func demoRunsFromAnyFolderWithServesVariables() async throws {
        let elsewhere = try Paths.temporaryDirectory()
        let server = try ServerProcess(["demo"], environment: ["CCKM_MOCK_PORT": "0", "CCKM_MOCK_HOST": "0.0.0.0"], in: elsewhere)
        defer {
            server.signal(SIGTERM)
            _ = server.finish()
        }
        let listening = try #require(server.firstLine())
        let dashboard = try #require(server.firstLine())
        #expect(listening.hasPrefix("listening on http://0.0.0.0:"))
        let port = try #require(listening.split(separator: ":").last.map(String.init))
        #expect(dashboard == "dashboard: http://127.0.0.1:\(port)/__admin/ui", "a browser on this machine opens it")
        let (data, _) = try await LiveServer.session.data(from: URL(string: "http://127.0.0.1:\(port)/__admin/jobs?limit=0")!)
        #expect(String(decoding: data, as: UTF8.self).contains("\"total\":20"), "the built-in demo scenario")
    }

    // MARK: health

    @Test func healthIsZeroForAServerAndOneWithAReasonOtherwise() throws {
        let plain = try LiveServer(fixtures: [])
        let secure = try LiveServer(fixtures: [], tls: .generated(extraNames: []))
        #expect(try ServerProcess(["health", "--url", plain.baseURL]).finish().status == 0)
        let port = String(secure.server.http.port)
        #expect(try ServerProcess(["health"], environment: ["CCKM_MOCK_PORT": port]).finish().status == 0, "https from the variables")
        #expect(try ServerProcess(["health"], environment: ["CCKM_MOCK_PORT": port, "CCKM_MOCK_HOST": "0.0.0.0"]).finish().status == 0)
        let wrongScheme = try ServerProcess(["health"], environment: ["CCKM_MOCK_PORT": port, "CCKM_MOCK_TLS": "off"]).finish()
        #expect(wrongScheme.status == 1 && wrongScheme.errors.hasPrefix("unhealthy: http://127.0.0.1:\(port)"))
        let notMock = try ServerProcess(["health", "--url", plain.baseURL + "/api/v1/cckm"]).finish()
        #expect(notMock.status == 1 && notMock.errors.contains("answered 404, not cckm-mock's health"))
        let closed = try ServerProcess(["health", "--url", "http://127.0.0.1:1", "--timeout", "1"]).finish()
        #expect(closed.status == 1 && closed.errors.split(separator: "\n").count == 1 && closed.errors.contains("Connection refused"))
    }

    @Test func healthGivesUpAtItsTimeout() throws {
        // A listener that accepts and never answers.
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        listen(descriptor, 8)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let silent = try ServerProcess(["health", "--url", "http://127.0.0.1:\(port)", "--timeout", "0.5"]).finish()
        #expect(silent.status == 1 && silent.errors.contains("no answer within the timeout"))
    }

    // MARK: the certificate on request

    @Test func aClientVerifiesTLSWithTheCertificateItFetched() throws {
        let live = try LiveServer(fixtures: [], directory: nil, tls: .generated(extraNames: []))
        let endpoint = try #require(HTTPClient.Endpoint(url: live.baseURL))
        let pem = try HTTPClient(endpoint: endpoint, timeout: 30).send("GET", "/__admin/tls/cert.pem")
        #expect(pem.status == 200 && pem.headers["Content-Type"] == "application/x-pem-file")
        let text = String(decoding: pem.body, as: UTF8.self)
        #expect(text == (try String(contentsOfFile: live.directory + "/tls-cert.pem", encoding: .utf8)))
        let file = try Paths.temporaryDirectory() + "/ca.pem"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let verified = try HTTPClient(endpoint: endpoint, timeout: 30, trustedCertificates: file).send("GET", "/__admin/health")
        #expect(verified.status == 200)
        #expect(try Curl.run(["--cacert", file, live.baseURL + "/__admin/health"]).status == 200, "curl verifies with it too")
        // Another server's certificate does not verify this one.
        let other = try Paths.temporaryDirectory() + "/other.pem"
        try TLSIdentity.selfSigned(names: ["127.0.0.1"]).certificatePEM.write(toFile: other, atomically: true, encoding: .utf8)
        #expect(throws: HTTPClient.Failure.self) {
            try HTTPClient(endpoint: endpoint, timeout: 30, trustedCertificates: other).send("GET", "/__admin/health")
        }
    }

    @Test func anInMemoryStoreStillServesItsCertificate() throws {
        let directory = try Paths.temporaryDirectory()
        let server = try ServingMock.start(
            MockConfiguration(
                http: HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 1), store: .memory, tls: .generated(extraNames: [])))
        defer { server.shutdown() }
        #expect(server.certificatePath == nil)
        let endpoint = try #require(HTTPClient.Endpoint(url: server.url))
        let pem = try HTTPClient(endpoint: endpoint, timeout: 30).send("GET", "/__admin/tls/cert.pem")
        try pem.body.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: directory + "/ca.pem")) }
        #expect(
            try HTTPClient(endpoint: endpoint, timeout: 30, trustedCertificates: directory + "/ca.pem").send("GET", "/__admin/health").status == 200)
    }

    @Test func plainHTTPHasNoCertificate() async throws {
        let live = try LiveServer(fixtures: [])
        try await live.get("/__admin/tls/cert.pem").expectError(
            status: 404, code: 16, codeDesc: "NCERRResourceNotFound: Resource not found", messageContains: "--tls off")
    }

    @Test func serveSaysWhereTheCertificateIs() throws {
        let directory = try Paths.temporaryDirectory()
        let server = try ServerProcess(["serve", "--port", "0", "--data", directory])
        defer {
            server.signal(SIGTERM)
            _ = server.finish()
        }
        #expect(server.firstLine()?.hasPrefix("listening on https://127.0.0.1:") == true)
        #expect(server.firstLine() == "certificate: \(directory)/tls-cert.pem")
    }
}
