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

/// The docs' curl lines, `-k` and all, with the host replaced and a fresh token.
@Suite(.live()) struct DocsCurlTests {
    @Test(arguments: DocsExamplesTests.pages)
    func docsCurlWorksWithATokenAndNotWithout(page: String) throws {
        let example = try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(Paths.docsExamples)/\(page).json"))))
        let request = try #require(example["request"]?.stringValue)
        let live = try LiveServer(auth: AuthSettings(), tls: .generated(extraNames: []))
        let login = try Curl.run([
            "-k", live.baseURL + "/api/v1/auth/tokens", "-H", "Content-Type: application/json", "-d",
            #"{"grant_type":"password","username":"admin","password":"admin"}"#,
        ])
        let jwt = try #require(try JSONParser.parse(login.body)["jwt"]?.stringValue)
        let reply = try Curl.run(["-k", live.baseURL + request, "-H", "Authorization: Bearer " + jwt, "--compressed"])
        #expect(reply.status == 200)
        #expect(try JSONParser.parse(reply.body) == example["response"])
        let anonymous = try Curl.run(["-k", live.baseURL + request, "--compressed"])
        #expect(anonymous.status == 401 && anonymous.body.contains("NCERRUnauthorized"))
    }
}
