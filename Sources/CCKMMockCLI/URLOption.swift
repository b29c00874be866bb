import ArgumentParser
import HTTPServer

/// A URL option checked for what the HTTPS client takes: `http(s)://HOST[:PORT][/BASE]`. A URL
/// with a user or password in it is refused without being echoed (it would print the password to
/// a terminal, a CI log or a shell's history); the credentials have options of their own.
/// `advice` says where the credentials go instead.
func checkURLOption(_ url: String, flag: String, advice: String) throws(ValidationError) {
    if HTTPClient.Endpoint.hasUserInfo(url) {
        throw ValidationError("\(flag) must not carry a user or password (USER:PASSWORD@HOST); \(advice)")
    }
    guard HTTPClient.Endpoint(url: url) != nil else {
        throw ValidationError("\(flag) must be http://HOST[:PORT] or https://HOST[:PORT], got \(url)")
    }
}
