import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

/// `POST B` bodies: each mistake gets a 400 naming the field.
@Suite(.inProcess()) struct StartValidationTests {
    @Test(arguments: [
        ("", 15, "Request body is empty"),
        ("not json", 15, "not valid JSON"),
        ("[1]", 15, "must be a JSON object, got an array"),
        ("{}", 15, "Give the targets in \"key_vaults\", or \"synchronize_all\": true"),
        (#"{"synchronize_all": false}"#, 15, "Give the targets in \"key_vaults\""),
        (#"{"key_vaults": []}"#, 15, "Give the targets in \"key_vaults\""),
        (#"{"key_vaults": ["a"], "synchronize_all": true}"#, 15, "mutually exclusive"),
        (#"{"key_vaults": "a"}"#, 9, "\"key_vaults\": expected an array of strings, got a string"),
        (#"{"key_vaults": [1]}"#, 9, "\"key_vaults\": item 0 must be a non-empty string, got a number"),
        (#"{"key_vaults": [""]}"#, 9, "item 0 must be a non-empty string"),
        (#"{"synchronize_all": "yes"}"#, 9, "\"synchronize_all\": expected a boolean, got a string"),
        (#"{"synchronize_all": true, "kms": ["k"]}"#, 9, "\"kms\": unknown field (known: key_vaults, synchronize_all, take_cloud_key_backup)"),
        (#"{"synchronize_all": true, "take_cloud_key_backup": 1}"#, 9, "\"take_cloud_key_backup\": expected a boolean"),
        (#"{"synchronize_all": true, "synchronize_all": true}"#, 9, "given more than once"),
        // 1,001 items, even when all alike: the spec's maxItems counts items as sent.
        ("{\"key_vaults\": [" + Array(repeating: "\"v\"", count: 1001).joined(separator: ",") + "]}", 9, "more than 1000 values"),
    ])
    func badBodyIs400(body: String, code: Int, message: String) throws {
        let reply = try InProcessApp().post("/api/v1/cckm/azure/synchronization-jobs", body)
        reply.expectError(
            status: 400, code: code,
            codeDesc: code == 9 ? "NCERRInvalidParamValue: Invalid parameter value" : "NCERRBadRequest: Bad request", messageContains: message)
    }

    @Test func regionsBelongToAWSOnly() throws {
        try InProcessApp().post("/api/v1/cckm/google/synchronization-jobs", #"{"key_rings": ["r"], "regions": ["x"]}"#).expectError(
            status: 400, code: 9, codeDesc: "NCERRInvalidParamValue: Invalid parameter value", messageContains: "\"regions\": unknown field")
    }

    @Test func nothingIsStoredOnABadStart() throws {
        let app = try InProcessApp()
        _ = try app.post("/api/v1/cckm/azure/synchronization-jobs", "{}")
        #expect(try app.app.store.count() == 0)
    }
}
