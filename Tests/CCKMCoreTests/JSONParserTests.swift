import TestSupport
import Testing

@testable import CCKMCore

@Suite(.inProcess()) struct JSONParserTests {
    @Test func keepsObjectKeyOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":[true,null,"x"],"m":{"b":2,"a":1}}"#)
        #expect(value.objectValue?.map(\.key) == ["z", "a", "m"])
        #expect(value["m"]?.objectValue?.map(\.key) == ["b", "a"])
        #expect(value.jsonText == #"{"z":1,"a":[true,null,"x"],"m":{"b":2,"a":1}}"#)
    }

    /// Issue 24 #16: a repeated key, however spelt (an escape decodes to the same key), at any depth
    /// and past the size where a set takes over from the scan.
    @Test(arguments: [
        (#"{"run_at":"0 9 * * *","run_at":"0 10 * * *"}"#, 1, 23),
        (#"{"a":{"b":1,"\u0062":2}}"#, 1, 13),
        ("{" + (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + #","k3":0}"#, 1, 162),
    ])
    func refusesARepeatedKey(text: String, line: Int, column: Int) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.reason.hasPrefix("the key ") && error.reason.hasSuffix(" appears twice in one object"))
            #expect(error.line == line && error.column == column)
        }
        #expect(throws: Never.self) { try JSONParser.parse(#"[{"a":1},{"a":2}]"#) }
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\n\t\u00e9\ud83d\ude00"]"#)
        #expect(value.arrayValue?.first?.stringValue == "a\"b\\c/d\n\té😀")
    }

    @Test func writesEscapesBack() {
        let text = JSONValue.string("q\"b\\n\n\u{01}é").jsonText
        #expect(text == #""q\"b\\n\n\u0001é""#)
    }

    @Test(arguments: [
        ("", 1, 1, "unexpected end of input"),
        ("{\"a\":1,}", 1, 8, "a trailing comma before \"}\" (JSON allows none)"),
        ("{,}", 1, 2, "expected a string key"),
        ("[1,2", 1, 5, "expected ',' or ']'"),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
        ("{\n  \"a\": tru\n}", 2, 8, "expected true"),
        ("\"abc", 1, 5, "unterminated string"),
        ("[01]", 1, 3, "expected ',' or ']'"),
        ("[1.]", 1, 4, "expected a digit after '.'"),
        ("\"a\u{01}\"", 1, 3, "control character"),
        ("\"\\x\"", 1, 3, "invalid escape"),
        ("\"\\ud800\"", 1, 8, "unpaired surrogate"),
        ("{} {}", 1, 4, "unexpected text after"),
    ])
    func reportsSyntaxErrorsWithPosition(text: String, line: Int, column: Int, reason: String) {
        #expect {
            try JSONParser.parse(text)
        } throws: { error in
            guard let error = error as? JSONSyntaxError else { return false }
            return error.line == line && error.column == column && error.reason.contains(reason)
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        #expect((try? JSONParser.parse(String(repeating: "[", count: 10) + String(repeating: "]", count: 10))) != nil)
    }
}
