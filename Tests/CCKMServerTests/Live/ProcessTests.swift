import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real executable: what a harness reads at start, how it stops, how it refuses to start.
@Suite(.live()) struct ProcessTests {
    @Test func printsTheListeningLineAndStopsOnSIGTERM() async throws {
        let server = try ServerProcess([
            "serve", "--port", "0", "--data", ":memory:", "--fixtures", Paths.docsFixture, "--tls", "off", "--auth", "off",
        ])
        let line = try #require(server.firstLine())
        let url = try #require(line.split(separator: " ").last.map(String.init))
        #expect(line.hasPrefix("listening on http://127.0.0.1:"))
        let port = try #require(Int(url.split(separator: ":").last ?? ""))
        #expect(port > 0 && port != 8443)
        let (data, response) = try await LiveServer.session.data(from: URL(string: url + "/api/v1/cckm/sfdc/keys/synchronization-jobs")!)
        #expect((response as! HTTPURLResponse).statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("\"total\":2"))
        server.signal(SIGTERM)
        let (status, errors) = server.finish()
        #expect(status == 0, "stderr: \(errors)")
        #expect(errors.contains("stopped"))
    }

    /// Issue 24 #27: a closed terminal's SIGHUP killed the server at once (status 129, no "stopped").
    @Test func stopsGracefullyOnSIGHUP() throws {
        let server = try ServerProcess(["--port", "0", "--data", ":memory:", "--tls", "off"])
        #expect(server.firstLine()?.hasPrefix("listening on http://") == true)
        server.signal(SIGHUP)
        let (status, errors) = server.finish()
        #expect(status == 0 && errors.contains("stopped"), "status \(status), stderr: \(errors)")
    }

    @Test func stopsOnSIGINTWithExitZero() throws {
        let server = try ServerProcess(["--port", "0", "--data", ":memory:", "--tls", "off"])
        #expect(server.firstLine()?.hasPrefix("listening on http://") == true)
        server.signal(SIGINT)
        #expect(server.finish().status == 0)
    }

    @Test func environmentVariablesConfigureIt() throws {
        let server = try ServerProcess(["serve"], environment: ["CCKM_MOCK_PORT": "0", "CCKM_MOCK_DATA": ":memory:", "CCKM_MOCK_HOST": "localhost"])
        #expect(server.firstLine()?.hasPrefix("listening on https://localhost:") == true, "HTTPS is the default")
        server.signal(SIGTERM)
        #expect(server.finish().status == 0)
    }

    /// `count` small OCI jobs, a line each, in `directory/name`.
    func jsonLines(_ count: Int, in directory: String, name: String) throws -> String {
        var text = ""
        for index in 0..<count {
            let id = String(format: "%08x-0000-4000-8000-000000000000", index)
            text +=
                #"{"family":"oci","id":"\#(id)","createdAt":"2021-01-01T00:00:00Z","overall_status":"completed","vaults":["v"],"detailed_status":{"v":"ok"}}"#
                + "\n"
        }
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        return directory + "/" + name
    }

    /// Issue 35: a JSON Lines load said nothing until it was done, then `fixtureJobs=0`.
    @Test func aJSONLinesLoadSaysHowFarItIsAndWhatItLoaded() throws {
        let directory = try Paths.temporaryDirectory()
        let file = try jsonLines(12_000, in: directory, name: "some.jsonl")
        let server = try ServerProcess(["serve", "--port", "0", "--data", ":memory:", "--fixtures", file])
        #expect(server.firstLine()?.hasPrefix("listening on ") == true)
        server.signal(SIGTERM)
        let (status, errors) = server.finish()
        #expect(status == 0)
        let lines = errors.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("loading some.jsonl (") }, "a line as the file begins: \(errors)")
        #expect(lines.contains { $0.hasPrefix("read some.jsonl: 12,000 jobs in ") && $0.hasSuffix("; indexing them next") })
        #expect(lines.contains { $0.contains("fixtures loaded") && $0.contains("fixtures=\(file)") && $0.contains("jobs=12000") })
        #expect(lines.contains { $0.contains("serving") && $0.contains("fixtureJobs=12000") })
    }

    /// Issue 35: `fixtures generate` of many jobs said nothing until it was done.
    @Test func generateSaysHowFarItIsOnStandardErrorOnly() throws {
        let generate = try ServerProcess(["fixtures", "generate", "3000"])
        var lines = 0
        while generate.firstLine() != nil { lines += 1 }
        let (status, errors) = generate.finish()
        #expect(status == 0 && lines == 3000, "the jobs alone on standard output")
        let said = errors.split(separator: "\n").map(String.init)
        #expect(said.first == "generating 3,000 jobs…" && said.last?.hasPrefix("generated 3,000 jobs in ") == true, "\(errors)")
    }

    /// Issue 35: Ctrl-C or SIGTERM during a big load ended the process at once.
    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalDuringALoadStopsItAndStoresNothing(signal: Int32) throws {
        let directory = try Paths.temporaryDirectory()
        let file = try jsonLines(200_000, in: directory, name: "big.jsonl")
        let server = try ServerProcess(["serve", "--port", "0", "--data", directory + "/data", "--fixtures", file])
        var line = server.errorLine()
        while let text = line, !text.hasPrefix("loading big.jsonl") { line = server.errorLine() }
        #expect(line?.hasPrefix("loading big.jsonl (") == true)
        server.signal(signal)
        let (status, errors) = server.finish()
        #expect(status == 0, "a stop asked for, as while serving: \(errors)")
        #expect(errors.contains("load cancelled, no job of it stored"))
        let again = try ServerProcess(["serve", "--port", "0", "--tls", "off", "--data", directory + "/data"])
        let url = try #require(again.firstLine()?.split(separator: " ").last.map(String.init))
        #expect(try Curl.run([url + "/__admin/jobs?limit=0"]).body == #"{"skip":0,"limit":0,"total":0,"resources":[]}"#)
        again.signal(SIGTERM)
        _ = again.finish()
    }

    /// Issue 42 #9: a stop during the index build that follows a load's rows was lost: the server
    /// started serving and ran on (`docker stop`, Ctrl-C waited), and `fixtures prepare` wrote its
    /// file with exit 0. Now the build is interrupted where it is, and nothing of the load is stored.
    @Test(.live(.seconds(500)), arguments: ["serve", "prepare"])
    func aStopDuringTheIndexBuildStopsTheProcessWithNothingStored(command: String) throws {
        let directory = try Paths.temporaryDirectory()
        let file = try jsonLines(200_000, in: directory, name: "big.jsonl")
        let output = directory + "/big.cckm"
        let process = try ServerProcess(
            command == "serve"
                ? ["serve", "--port", "0", "--tls", "off", "--data", directory + "/data", "--fixtures", file]
                : ["fixtures", "prepare", file, "-o", output])
        var line = process.errorLine()
        while let text = line, !text.contains("indexing them next") { line = process.errorLine() }
        #expect(line?.contains("indexing them next") == true, "the rows are in; the index build begins")
        process.signal(SIGTERM)
        let (status, errors) = process.finish()
        if command == "serve" {
            #expect(status == 0 && errors.contains("load cancelled, no job of it stored"), "\(errors.suffix(400))")
            #expect(!errors.contains("serving"), "it never served: \(errors.suffix(400))")
            let again = try ServerProcess(["serve", "--port", "0", "--tls", "off", "--data", directory + "/data"])
            let url = try #require(again.firstLine()?.split(separator: " ").last.map(String.init))
            #expect(try Curl.run([url + "/__admin/jobs?limit=0"]).body == #"{"skip":0,"limit":0,"total":0,"resources":[]}"#)
            again.signal(SIGTERM)
            _ = again.finish()
        } else {
            #expect(status == 130 && errors.contains("nothing written"), "\(errors.suffix(400))")
            #expect(access(output, F_OK) != 0, "no file at \(output)")
        }
    }

    /// Issue 43 #8: every compose start warned that the control API was open. Once per data
    /// folder now, and never for an address on a network the user chose.
    @Test func theOpenControlAPIWarningIsGivenOncePerDataFolder() throws {
        let directory = try Paths.temporaryDirectory() + "/data"
        var warnings: [Bool] = []
        for _ in 0..<2 {
            let server = try ServerProcess(["serve", "--host", "0.0.0.0", "--port", "0", "--tls", "off", "--data", directory])
            #expect(server.firstLine()?.hasPrefix("listening on ") == true)
            server.signal(SIGTERM)
            let (status, errors) = server.finish()
            #expect(status == 0, "\(errors)")
            warnings.append(errors.contains("the control API (/__admin: reset, fixtures, faults, the request journal) is open to anyone"))
        }
        #expect(warnings == [true, false], "said at the first start only")
    }

    /// A stop on the system clock is prompt: the simulator sleeps until the next due time or
    /// commit (issue 43 #5), and that sleep, a minute with nothing due, held SIGTERM for as long.
    @Test func aStopOnTheSystemClockIsPromptWithNothingDue() throws {
        let server = try ServerProcess(["serve", "--port", "0", "--tls", "off", "--data", ":memory:", "--clock", "system"])
        #expect(server.firstLine()?.hasPrefix("listening on ") == true)
        let asked = ContinuousClock.now
        server.signal(SIGTERM)
        #expect(server.exit(within: 30) == 0)
        #expect(ContinuousClock.now - asked < .seconds(10), "stopped in \(ContinuousClock.now - asked)")
    }

    /// Issue 42 #18: `generate --data DIR` wrote into the store a running server served (no folder
    /// lock), whose lists then stayed stale. Every command that writes a data folder takes its lock.
    @Test func generateRefusesAFolderAServerServes() throws {
        let directory = try Paths.temporaryDirectory() + "/data"
        let server = try ServerProcess(["serve", "--port", "0", "--tls", "off", "--data", directory])
        let url = try #require(server.firstLine()?.split(separator: " ").last.map(String.init))
        let generate = try ServerProcess(["generate", "--jobs", "10", "--data", directory]).finish()
        #expect(generate.status != 0 && generate.errors.contains("is in use by another cckm-mock"), "\(generate.errors)")
        #expect(try Curl.run([url + "/__admin/jobs?limit=0"]).body == #"{"skip":0,"limit":0,"total":0,"resources":[]}"#)
        server.signal(SIGTERM)
        _ = server.finish()
        let alone = try ServerProcess(["generate", "--jobs", "10", "--data", directory])
        #expect(alone.firstLine()?.hasPrefix("added 10 jobs") == true)
        #expect(alone.finish().status == 0, "the folder is free once the server stopped")
    }

    /// Issue 35: plain HTTP to the HTTPS port got an empty reply and the log said nothing; issue
    /// 43 #4: it gets CM's 400 envelope naming the https:// URL, as nginx's 497 does.
    @Test func plainHTTPToTheHTTPSPortIsA400NamingHTTPS() throws {
        let server = try ServerProcess(["serve", "--port", "0", "--data", ":memory:"])
        let line = try #require(server.firstLine())
        let port = try #require(line.split(separator: ":").last.map(String.init))
        let plain = try Curl.run(["http://127.0.0.1:\(port)/api/v1/cckm/aws/synchronization-jobs?limit=1"])
        #expect(plain.status == 400)
        let envelope = try JSONParser.parse(plain.body)
        #expect(envelope["code"] == .number("15") && envelope["codeDesc"]?.stringValue == "NCERRBadRequest: Bad request")
        #expect(
            envelope["message"]?.stringValue
                == "This port speaks HTTPS: use https://127.0.0.1:\(port)/api/v1/cckm/aws/synchronization-jobs?limit=1 (curl -k, or trust the certificate at https://127.0.0.1:\(port)/__admin/tls/cert.pem), or serve with --tls off"
        )
        #expect(try Curl.run(["-k", "https://127.0.0.1:\(port)/__admin/health"]).status == 200, "still serving")
        server.signal(SIGTERM)
        let (status, errors) = server.finish()
        #expect(status == 0)
        #expect(errors.contains("a client sent plain http:// to this HTTPS port and got a 400 naming its https:// URL"), "\(errors)")
        #expect(errors.contains("use https:// (the certificate is at /__admin/tls/cert.pem) or serve with --tls off"))
    }

    /// The HTTPS port's own accept loop, out of descriptors, rests instead of spinning on the
    /// connection that stays pending, and serves again once connections close.
    @Test func outOfDescriptorsTheHTTPSPortRestsAndRecovers() throws {
        let server = try ServerProcess(
            ["--nofile=48:48", "--", Paths.executable, "serve", "--port", "0", "--data", ":memory:", "--log-level", "warning"],
            executable: "/usr/bin/prlimit")
        let line = try #require(server.firstLine())
        let port = try #require(line.split(separator: ":").last.flatMap { Int($0) })
        var held = (0..<80).map { _ in connectLoopback(port, timeout: 5).fd }
        // The server's CPU time (utime and stime, /proc's fields 14 and 15) over a second of it
        // out of descriptors: a loop spinning on the pending connection would spend the whole second.
        func ticks() throws -> Int {
            let fields =
                try String(contentsOfFile: "/proc/\(server.process.processIdentifier)/stat", encoding: .utf8)
                .split(separator: ")").last?.split(separator: " ") ?? []
            return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
        }
        let (before, started) = (try ticks(), ContinuousClock.now)
        while ContinuousClock.now - started < .seconds(1) { usleep(50_000) }  // CPU measured over time, not waited on
        let spent = try ticks() - before
        #expect(spent < 30, "\(spent) clock ticks of 100 in a second out of descriptors")
        held.forEach { close($0) }
        held = []
        try blockUntil("health to answer once the connections closed", within: .seconds(30)) {
            (try? Curl.run(["-k", "--max-time", "2", "https://127.0.0.1:\(port)/__admin/health"]).status) == 200
        }
        server.signal(SIGTERM)
        #expect(server.finish().status == 0)
    }

    @Test func takenPortIsOneClearLineAndAFailure() throws {
        let first = try ServerProcess(["serve", "--port", "0", "--data", ":memory:"])
        let line = try #require(first.firstLine())
        let port = try #require(line.split(separator: ":").last.map(String.init))
        let second = try ServerProcess(["serve", "--port", port, "--data", ":memory:"])
        let (status, errors) = second.finish()
        #expect(status != 0)
        let lines = errors.split(separator: "\n")
        // It names who holds the port and what to do next.
        let holder = "by pid \(first.process.processIdentifier), "
        #expect(lines.last?.hasPrefix("error: cannot listen on 127.0.0.1:\(port): Address already in use (\(holder)") == true, "\(errors)")
        #expect(lines.last?.hasSuffix("; stop that server, or give --port another number, or --port 0 for any free one (the URL is printed)") == true)
        #expect(lines.filter { $0.hasPrefix("error") }.count == 1, "one error line; info logs may come before it: \(errors)")
        first.signal(SIGTERM)
        _ = first.finish()
    }

    @Test func dataDirectoryThatIsAFileIsRefused() throws {
        let directory = try Paths.temporaryDirectory()
        let file = directory + "/plain-file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let (status, errors) = try ServerProcess(["serve", "--port", "0", "--data", file]).finish()
        #expect(status != 0)
        #expect(errors == "error: data directory \(file) is a file, not a directory\n")
    }

    @Test func invalidFixtureIsReportedAndRefused() throws {
        let directory = try Paths.temporaryDirectory()
        let file = directory + "/bad.json"
        _ = FileManager.default.createFile(atPath: file, contents: Data("{\"jobs\": [{\"family\": \"aws\"}]}".utf8))
        let (status, errors) = try ServerProcess(["serve", "--port", "0", "--data", ":memory:", "--fixtures", file]).finish()
        #expect(status != 0)
        #expect(errors.contains("invalid fixtures:\n\(file):1:11: $.jobs[0]: missing required field \"id\""))
    }

    @Test func badFlagValueIsAUsageError() throws {
        let (status, errors) = try ServerProcess(["serve", "--port", "70000"]).finish()
        #expect(status != 0)
        #expect(errors.contains("--port must be between 0 and 65535, got 70000"))
    }
}
