import CCKMCore
import CCKMEngine
import CCKMServer
import CCKMStore
import CCKMTestFixtures
import CCKMTestSupport
import Foundation
import TestSupport
import Testing

@testable import CCKMMock

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 31 #7: a data folder someone else made, or anyone may write, was used as found, and a
/// `jwt-signing.key` planted in it chose the key every token was checked with.
@Suite(.live()) struct DataFolderTrustTests {
    func refusal(_ arguments: [String]) throws -> (status: Int32, errors: String) {
        try ServerProcess(["serve", "--port", "0"] + arguments).finish()
    }

    @Test func aFolderWritableByOthersIsRefusedWithTheFix() throws {
        let folder = try Paths.temporaryDirectory()
        chmod(folder, 0o777)
        let (status, errors) = try refusal(["--data", folder])
        #expect(status == 1)
        #expect(errors.contains("\(folder) is writable by others (mode 777), so what it holds is not trusted: chmod go-w \(folder)"), "\(errors)")
    }

    @Test func aFolderOfAnotherUserIsRefused() throws {
        let folder = try Paths.temporaryDirectory()
        try #require(chown(folder, 12345, 12345) == 0, "the tests run as root")
        let (status, errors) = try refusal(["--data", folder])
        #expect(status == 1 && errors.contains("\(folder) belongs to uid 12345, not to this user"), "\(errors)")
    }

    @Test(arguments: ["jwt-signing.key", "tls-key.pem"])
    func aPlantedKeyReadableOrOwnedByOthersIsRefused(file: String) throws {
        let folder = try Paths.temporaryDirectory()
        let path = folder + "/" + file
        try String(repeating: "ab", count: 32).write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        let (status, errors) = try refusal(["--data", folder])
        #expect(
            status == 1 && errors.contains("\(path) is readable by others (mode 644): a signing or private key must not be; chmod 600 \(path)"),
            "\(errors)")
        chmod(path, 0o600)
        try #require(chown(path, 12345, 12345) == 0)
        #expect(try refusal(["--data", folder]).errors.contains("\(path) belongs to uid 12345"))
    }

    @Test func itsOwnFolderAndKeysAreUsedAgain() throws {
        let folder = try Paths.temporaryDirectory()
        let server = try ServerProcess(["serve", "--port", "0", "--data", folder])
        #expect(server.firstLine()?.hasPrefix("listening on ") == true)
        server.signal(SIGTERM)
        #expect(server.finish().status == 0)
        let again = try ServerProcess(["serve", "--port", "0", "--data", folder])
        #expect(again.firstLine()?.hasPrefix("listening on ") == true, "the key and certificate it wrote are its own")
        again.signal(SIGTERM)
        _ = again.finish()
    }
}
