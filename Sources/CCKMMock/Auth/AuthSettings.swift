import CCKMCore
import CCKMEngine
import CCKMStore

/// How the mock authenticates: on (CM's login and bearer tokens) or off (every request is root's).
public struct AuthSettings: Sendable, Equatable {
    public var enabled: Bool
    public var accounts: Accounts
    /// Seconds a JWT lives (`duration` in the login answer).
    public var tokenTTL: Int

    public init(enabled: Bool = true, accounts: Accounts = Accounts(), tokenTTL: Int = 300) {
        self.enabled = enabled
        self.accounts = accounts
        self.tokenTTL = tokenTTL
    }
}
