import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import HTTPServer
import TestSupport
import Testing

@testable import CCKMMock

@Suite(.inProcess()) struct JWTTests {
    /// RFC 7515 appendix A.1: the HS256 example, key, signing input and signature.
    @Test func rfc7515AppendixA1() throws {
        let key = try #require(Base64URL.decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"))
        let input =
            "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        #expect(Base64URL.encode(Crypto.hmacSHA256(key: key, message: Array(input.utf8))) == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        let claims = try JWT.verify(input + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", key: key)
        #expect(claims["iss"]?.stringValue == "joe" && claims["exp"]?.intValue == 1_300_819_380)
    }

    @Test func signThenVerify() throws {
        let key = Crypto.randomBytes(32)
        let token = JWT.sign(claims: #"{"a":1}"#, key: key)
        #expect(token.hasPrefix("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."), "the header CM's tokens carry")
        #expect(try JWT.verify(token, key: key)["a"]?.intValue == 1)
        #expect(throws: JWT.Failure.badSignature) { try JWT.verify(token, key: Crypto.randomBytes(32)) }
    }

    @Test(arguments: [
        ("a.b", JWT.Failure.malformed), ("a.b.c.d", .malformed), ("!!.e30.sig", .malformed),
        ("eyJhbGciOiJub25lIn0.e30.", .unsupportedAlgorithm), ("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", .unsupportedAlgorithm),
    ])
    func rejects(token: String, failure: JWT.Failure) {
        #expect(throws: failure) { try JWT.verify(token, key: [1, 2, 3]) }
    }

    @Test func base64URLRoundTrips() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 11) % 256) }
            #expect(Base64URL.decode(Substring(Base64URL.encode(bytes))) == bytes)
        }
        #expect(Base64URL.encode(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw")
        #expect(Base64URL.decode("a") == nil && Base64URL.decode("ab=c") == nil)
    }

    @Test func domainIDsAreStableAndRootIsZero() {
        #expect(Accounts.domainID("root") == "00000000-0000-0000-0000-000000000000")
        #expect(Accounts.domainID("team-a") == Accounts.domainID("team-a") && Accounts.domainID("team-a") != Accounts.domainID("team-b"))
        #expect(isUUID(Accounts.domainID("team-a")))
    }
}
