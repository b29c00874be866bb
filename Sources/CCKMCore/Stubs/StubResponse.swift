import Foundation

/// WireMock's response definition: `status` (200), `statusMessage`, `headers` (a value or a list of
/// values each), one of `body`, `jsonBody`, `base64Body`, `bodyFileName`, `fixedDelayMilliseconds`,
/// and `fault` (`EMPTY_RESPONSE` and `CONNECTION_RESET_BY_PEER`: the connection closed without an
/// answer). Transformers, proxies and delay distributions are refused with a 400 naming them.
package struct StubResponse: Sendable {
    package var status = 200
    package var headers: [(name: String, value: String)] = []
    package var body: [UInt8] = []
    package var delayMilliseconds = 0
    package var hangsUp = false

    static let members = ["status", "statusMessage", "headers", "body", "jsonBody", "base64Body", "bodyFileName", "fixedDelayMilliseconds", "fault"]
    /// A stub's delay, at most: a test's stub should not hold a connection past the server's timeouts.
    package static let maxDelayMilliseconds = 60_000

    static func parse(_ value: JSONValue, at path: String, files: ((String) -> [UInt8]?)?) throws(InputError) -> StubResponse {
        guard let members = value.objectValue else { throw .invalidParameter(path, "expected a response object, got \(value.typeName)") }
        if let unknown = members.first(where: { !Self.members.contains($0.key) }) {
            throw .invalidParameter(
                "\(path).\(unknown.key)", "the mock does not build this member of a response (it takes \(Self.members.joined(separator: ", ")))")
        }
        var response = StubResponse()
        if let status = value["status"] {
            guard let code = status.intValue, (100...599).contains(code) else { throw .invalidParameter("\(path).status", "expected 100 to 599") }
            response.status = code
        }
        _ = try value.optionalString("statusMessage")
        if let headers = value["headers"] {
            guard let fields = headers.objectValue else { throw .invalidParameter("\(path).headers", "expected an object of name → value") }
            for (name, given) in fields {
                let values = given.arrayValue ?? [given]
                for item in values {
                    guard let text = item.stringValue ?? (item.intValue.map(String.init)) else {
                        throw .invalidParameter("\(path).headers.\(name)", "expected a string or a list of strings")
                    }
                    guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }),
                        !text.contains(where: { $0 == "\r" || $0 == "\n" })
                    else { throw .invalidParameter("\(path).headers.\(name)", "not a header a response can carry") }
                    response.headers.append((name, text))
                }
            }
        }
        let bodies = members.filter { ["body", "jsonBody", "base64Body", "bodyFileName"].contains($0.key) }
        guard bodies.count <= 1 else {
            throw .invalidParameter("\(path).\(bodies[1].key)", "one of body, jsonBody, base64Body, bodyFileName at most")
        }
        if let (name, given) = bodies.first {
            switch name {
            case "body":
                guard let text = given.stringValue else { throw .invalidParameter("\(path).body", "expected a string (jsonBody takes JSON)") }
                response.body = Array(text.utf8)
            case "jsonBody":
                response.body = Array(given.jsonText.utf8)
                if !response.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                    response.headers.append(("Content-Type", "application/json"))
                }
            case "base64Body":
                guard let text = given.stringValue, let data = Data(base64Encoded: text) else {
                    throw .invalidParameter("\(path).base64Body", "expected base64 text")
                }
                response.body = Array(data)
            default:
                guard let file = given.stringValue, !file.contains(".."), !file.hasPrefix("/") else {
                    throw .invalidParameter("\(path).bodyFileName", "expected a file name under __files")
                }
                guard let files else {
                    throw .invalidParameter("\(path).bodyFileName", "only stubs loaded with --mappings DIR take a body file (DIR/__files)")
                }
                guard let bytes = files(file) else { throw .invalidParameter("\(path).bodyFileName", "no file \(file) under __files") }
                response.body = bytes
            }
        }
        if let delay = value["fixedDelayMilliseconds"] {
            guard let milliseconds = delay.intValue, (0...maxDelayMilliseconds).contains(milliseconds) else {
                throw .invalidParameter("\(path).fixedDelayMilliseconds", "expected 0 to \(maxDelayMilliseconds)")
            }
            response.delayMilliseconds = milliseconds
        }
        if let fault = try value.optionalString("fault") {
            guard ["EMPTY_RESPONSE", "CONNECTION_RESET_BY_PEER"].contains(fault) else {
                throw .invalidParameter(
                    "\(path).fault", "the mock builds EMPTY_RESPONSE and CONNECTION_RESET_BY_PEER (both close the connection), got \(fault)")
            }
            response.hangsUp = true
        }
        return response
    }
}
