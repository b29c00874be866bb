import CCKMCore
import CCKMServer
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

/// `serve --mappings DIR` (issue 46): a folder in WireMock's layout loads unchanged and answers as
/// WireMock does. The two mappings are those of WireMock's own tests
/// (`src/test/resources/test-file-root/mappings/testmapping.json` and `testjsonmapping.json`,
/// which its `StandaloneAcceptanceTest` reads back): a text body with its content type, and a
/// JSON body. A third names a body file under `__files`.
@Suite(.live(.seconds(120))) struct StubFolderTests {
    static func folder(_ files: [String: String]) throws -> String {
        let root = try Paths.temporaryDirectory() + "/wiremock"
        for (name, text) in files {
            let path = root + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return root
    }

    static let wireMockTests = [
        "mappings/testmapping.json": """
        {
            "request": { "method": "GET", "urlPattern": "/testmapping" },
            "response": { "status": 200, "body": "default test mapping", "headers": { "Content-Type": "text/plain" } }
        }
        """,
        "mappings/testjsonmapping.json": """
        {
          "request": { "method": "GET", "urlPattern": "/testjsonmapping" },
          "response": {
            "status": 200,
            "jsonBody": { "key": "value", "array": [1, 2, 3], "bignumber": 1234567890.12 },
            "headers": { "Content-Type": "application/json" }
          }
        }
        """,
        "mappings/from-file.json": #"{"mappings": [{"request": {"urlPath": "/body-file"}, "response": {"bodyFileName": "body.json"}}]}"#,
        "__files/body.json": #"{"from": "__files"}"#,
    ]

    @Test func wireMocksOwnTestMappingsLoadAndAnswerAsWireMockDoes() async throws {
        let served = try LiveServer(mappings: [try Self.folder(Self.wireMockTests)])
        let text = try await served.get("/testmapping")
        #expect(text.status == 200 && String(decoding: text.body, as: UTF8.self) == "default test mapping")
        #expect(text.headers["Content-Type"] == "text/plain")
        let json = try await served.get("/testjsonmapping")
        #expect(json.json == (try JSONParser.parse(Array(#"{"key": "value", "array": [1, 2, 3], "bignumber": 1234567890.12}"#.utf8))))
        #expect(try await served.get("/body-file").json["from"] == .string("__files"))
        #expect(try await served.get("/__admin/mappings").json["meta"]?["total"] == .number("3"))
        #expect(try await served.post("/__admin/mappings", #"{"request": {"urlPath": "/later"}}"#).status == 201)
        #expect(try await served.post("/__admin/reset").status == 200)
        #expect(try await served.get("/__admin/mappings").json["meta"]?["total"] == .number("3"), "the folder's stubs are the baseline")
    }

    @Test func aFolderWithABadMappingIsRefusedAtStartNamingTheFile() throws {
        let folder = try Self.folder(["mappings/bad.json": #"{"request": {"urlPattern": "(unclosed"}}"#])
        #expect {
            _ = try LiveServer(mappings: [folder])
        } throws: { error in
            "\(error)".contains("bad.json") && "\(error)".contains("request.urlPattern")
        }
    }
}
