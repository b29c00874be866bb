import CCKMCore
import HTTPServer

/// `GET /api/v1/system/info` *(chosen: the members are those CM's system page shows; `conform`
/// compares them with a lab CM's)*. Clients branch on `version`, so a test sets it with
/// `--cm-version` to the CM release it targets.
public enum SystemInfo {
    /// The CipherTrust Manager release the mock answers as, unless `--cm-version` names another.
    public static let defaultVersion = "2.19.0"

    static func response(version: String) -> HTTPResponse {
        .json(
            200,
            JSONWriter.object([
                ("name", .string("cckm-mock")), ("version", .string(version)), ("model", .string("CipherTrust Manager")),
                ("vendor", .string("Thales Group")), ("crypto_version", .string(version)),
            ]))
    }
}
