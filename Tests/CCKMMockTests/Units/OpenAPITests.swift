import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

/// `openapi.yaml` and the routes must agree both ways; the server serves the same document.
@Suite(.inProcess()) struct OpenAPITests {
    static let spec: JSONValue = try! JSONParser.parse([UInt8](try! Data(contentsOf: URL(fileURLWithPath: Paths.repository + "/openapi.yaml"))))

    /// Every route the server has, `{…}` for parameters, with its methods: the route table's.
    static var routes: [String: Set<String>] {
        var routes: [String: Set<String>] = [:]
        for (template, methods) in CCKMApp.routes.templates {
            routes[template] = Set(methods.map { $0.lowercased() })
        }
        return routes
    }

    @Test func specAndRoutesAgree() throws {
        let paths = try #require(Self.spec["paths"]?.objectValue)
        var described: [String: Set<String>] = [:]
        for (path, operations) in paths { described[path] = Set(operations.objectValue?.map(\.key) ?? []) }
        let routes = Self.routes
        for (path, methods) in routes {
            #expect(described[path] == methods, "route \(path) \(methods.sorted()) vs spec \(described[path]?.sorted() ?? [])")
        }
        for path in described.keys where routes[path] == nil {
            Issue.record("the spec describes \(path), which the server does not route")
        }
        #expect(routes.count == 140)
    }

    /// Each template, its parameters filled in, reaches its own row.
    @Test func everyTemplateIsARoute() {
        for (template, _) in CCKMApp.routes.templates {
            let sample = template.replacingOccurrences(of: "{id}", with: "x").replacingOccurrences(of: "{name}", with: "x")
            #expect(CCKMApp.routes.match(sample)?.template == template, "\(template)")
        }
    }

    @Test func theServedDocumentIsTheFile() throws {
        let app = try InProcessApp()
        let response = app.app.respond(to: .init(method: "GET", path: "/__admin/openapi.yaml"))
        #expect(response.status == 200 && response.headers["Content-Type"] == "application/yaml")
        let file = try String(contentsOfFile: Paths.repository + "/openapi.yaml", encoding: .utf8)
        #expect(String(decoding: response.body, as: UTF8.self) == file, "run scripts/gen-openapi")
    }

    @Test func everyOperationDocumentsTheErrorEnvelope() throws {
        let schema = try #require(Self.spec["components"]?["schemas"]?["Error"]?["required"]?.arrayValue)
        #expect(schema == ["code", "codeDesc", "message", "requestID"].map(JSONValue.string))
        for (path, operations) in Self.spec["paths"]?.objectValue ?? [] where path.hasPrefix("/api/v1/cckm") {
            for (_, operation) in operations.objectValue ?? [] {
                #expect(operation["responses"]?["401"] != nil, "\(path) documents 401")
            }
        }
    }
}
