import CCKMCore
import CCKMEngine
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock

@Suite(.inProcess()) struct SecretNameTests {
    @Test(arguments: ["password", "Password", "X-API-KEY", "client_secret", "refresh_token", "JWT", "db_passwd", "PRIVATE_KEY"])
    func credentialNamesAreSecretInAnyCase(_ name: String) {
        #expect(Secrets.isSecret(name))
    }

    @Test(arguments: ["grant_type", "TOKEN_TYPE", "username", "domain", "", "n", "pass", "toke"])
    func kindsAndOtherNamesAreNot(_ name: String) {
        #expect(!Secrets.isSecret(name))
    }
}
