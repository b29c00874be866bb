import CCKMCore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

/// What is made from the family table must not drift from it.
@Suite(.inProcess()) struct FamilyTableTests {
    @Test func theFixtureSchemaNamesEveryFamily() throws {
        let schema = try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: Paths.repository + "/fixtures/schema.json"))))
        let names = schema["$defs"]?["family"]?["enum"]?.arrayValue?.compactMap(\.stringValue)
        #expect(names == JobFamily.all.map(\.name), "fixtures/schema.json's family enum is the table's")
        let clouds = schema["properties"]?["schedules"]?["items"]?["properties"]?["cckm_synchronization_params"]?["properties"]?["cloud_name"]?[
            "enum"]
        #expect(clouds?.arrayValue?.compactMap(\.stringValue) == JobFamily.all.compactMap(\.schedulerCloud))
    }

    @Test func theSpecNamesEveryFamily() {
        let names = OpenAPITests.spec["components"]?["schemas"]?["Family"]?["enum"]?.arrayValue?.compactMap(\.stringValue)
        #expect(names == JobFamily.all.map(\.name), "run scripts/gen-openapi")
    }

    @Test func theDashboardLabelsComeFromTheTable() {
        for family in JobFamily.all {
            #expect(DashboardPage.families.contains(#""label":"\#(family.label)""#))
        }
        #expect(Set(JobFamily.all.map(\.label)).count == 14, "every family has its own label")
    }

    @Test func failureTemplatesFillTheirTargetAndRegion() {
        #expect(JobFamily.named("aws")?.failureMessage(target: "123456789012/eu-west-1").hasSuffix("in region eu-west-1") == true)
        #expect(JobFamily.named("sap")?.failureMessage(target: "g-1") == "failed to list keys of group g-1: 403 Forbidden")
        #expect(JobFamily.all.allSatisfy { !$0.failureMessage(target: "t").contains("{") })
    }
}
