import TestSupport
import Testing

@testable import HTTPServer

/// The Host check alone: a reg-name or a bracketed IP literal, then an optional port of digits.
@Suite(.inProcess()) struct RequestFramingTests {
    static let accepted = ["x", "127.0.0.1", "127.0.0.1:8443", "[::1]", "[::1]:8443", "my-host.example", "a%20b", "sub_delims!$&'()*+,;=", ":80"]
    static let refused = ["a b", "x:abc", "x:80:81", "[::1", "[::g]", "[::1]x", "[::1]:8x", "a@b", "a/b", "héllo", "x\t", "[１]"]

    @Test(arguments: accepted)
    func aHostOfTheGrammarIsAccepted(host: String) {
        #expect(RequestFraming.problem(in: HTTPHeaders([("Host", host)])) == nil)
    }

    @Test(arguments: refused)
    func anyOtherHostIsRefused(host: String) {
        #expect(RequestFraming.problem(in: HTTPHeaders([("Host", host)])) == .host)
    }

    @Test func headerNamesAreTokensAndValuesHoldNoLineBreaksOrNUL() {
        func problem(_ name: String, _ value: String) -> HTTPHeadPart? {
            RequestFraming.problem(in: HTTPHeaders([("Host", "x"), (name, value)]))
        }
        #expect(problem("X-Custom_1.a!#$%&'*+^`|~", "any value, with\ttabs and ünïcode") == nil)
        for name in ["", "Bad Name", "Bad:Name", "Bad\u{0}", "Bäd", "(x)"] {
            #expect(problem(name, "v") == .malformedHeader, "\(name)")
        }
        for value in ["a\rb", "a\nb", "a\u{0}b"] {
            #expect(problem("X", value) == .malformedHeader, "\(value)")
        }
    }
}
