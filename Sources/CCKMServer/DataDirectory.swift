import CCKMCore
import CCKMEngine
import CCKMStore
// Foundation, not FoundationEssentials alone: a file error's `localizedDescription` says what is wrong in words.
import Foundation
import HTTPServer

#if canImport(Glibc)
    import Glibc
#endif

/// What the mock keeps in its data directory besides the database: the JWT signing key, the
/// generated TLS certificate and which one-time notices were given. Made on first start, reused after, so tokens and pinned
/// certificates survive restarts. A throwaway (`:memory:`) store makes fresh ones each start.
public struct DataDirectory: Sendable {
    static let signingKeyFile = "jwt-signing.key"
    static let certificateFile = "tls-cert.pem"
    static let privateKeyFile = "tls-key.pem"

    /// nil for an in-memory store.
    package let path: String?

    package init(path: String?) {
        self.path = path
    }

    /// 32 random bytes, kept as hex.
    func signingKey() throws -> [UInt8] {
        guard let path else { return Crypto.randomBytes(32) }
        let file = path + "/" + Self.signingKeyFile
        try Self.checkTrusted(file, secret: true)
        if let text = try? String(contentsOfFile: file, encoding: .utf8), let key = hexBytes(text), key.count == 32 {
            return key
        }
        let key = Crypto.randomBytes(32)
        try writePrivate(Hex.digits(key), to: file)
        return key
    }

    /// The stored self-signed certificate if it covers `names`; otherwise a new one, stored.
    /// Returns it with the certificate file's path (nil when nothing is stored).
    func certificate(names: [String]) throws -> (identity: TLSIdentity, path: String?) {
        guard let path else { return (try TLSIdentity.selfSigned(names: names), nil) }
        let certificateFile = path + "/" + Self.certificateFile
        let keyFile = path + "/" + Self.privateKeyFile
        try Self.checkTrusted(keyFile, secret: true)
        try Self.checkTrusted(certificateFile, secret: false)
        if let certificate = try? String(contentsOfFile: certificateFile, encoding: .utf8),
            let key = try? String(contentsOfFile: keyFile, encoding: .utf8)
        {
            let stored = TLSIdentity(certificatePEM: certificate, privateKeyPEM: key)
            if let facts = try? stored.inspect(), Set(names).isSubset(of: facts.subjectAltNames) {
                return (stored, certificateFile)
            }
        }
        let made = try TLSIdentity.selfSigned(names: names)
        try writePrivate(made.privateKeyPEM, to: keyFile)
        try made.certificatePEM.write(toFile: certificateFile, atomically: true, encoding: .utf8)
        return (made, certificateFile)
    }

    /// Why a file or folder found in the data directory must not be used: owned by another user,
    /// writable by others, or (a secret) readable by others; nil when it is fine or absent.
    /// A folder is looked at through a link (a data folder may be one); a file is not.
    static func untrusted(_ path: String, secret: Bool, folder: Bool = false) -> String? {
        var info = stat()
        guard (folder ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
        let mode = Int(info.st_mode) & 0o7777
        let me = geteuid()
        let fix = secret ? "chmod 600 \(path)" : "chmod go-w \(path)"
        if info.st_uid != me {
            return "\(path) belongs to uid \(info.st_uid), not to this user (uid \(me)): someone else made it, so it is not trusted; "
                + "remove it, or give --data a folder of your own"
        }
        if (info.st_mode & S_IFMT) == S_IFLNK {
            return "\(path) is a symbolic link, so what it names is not trusted: remove it, or give --data another folder"
        }
        if mode & 0o022 != 0 {
            return
                "\(path) is writable by others (mode \(String(mode, radix: 8))), so what it holds is not trusted: \(fix), or give --data another folder"
        }
        if secret, mode & 0o044 != 0 {
            return "\(path) is readable by others (mode \(String(mode, radix: 8))): a signing or private key must not be; \(fix)"
        }
        return nil
    }

    /// Throws when `file` exists and `untrusted` says why it must not be used.
    private static func checkTrusted(_ file: String, secret: Bool) throws {
        if let problem = untrusted(file, secret: secret) { throw StartupError(description: problem) }
    }

    /// True the first time it is asked about `notice` for this folder (and always for an
    /// in-memory store, which has no folder to remember in): a notice given once per data folder,
    /// not at every restart of a compose service.
    func isFirstTime(_ notice: String) -> Bool {
        guard let path else { return true }
        let file = path + "/" + notice
        if FileManager.default.fileExists(atPath: file) { return false }
        try? writePrivate("", to: file)
        return true
    }

    private func writePrivate(_ text: String, to file: String) throws {
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
    }

    private func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8.filter { $0 != 0x0A && $0 != 0x20 })
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for start in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[start..<start + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

/// The data folder as every command that writes one finds it: made or checked, and held.
extension DataDirectory {
    static let lockFile = "cckm-mock.lock"

    /// The data folder's lock, which every command that writes a folder's stores holds for as long
    /// as it does (`serve`, `generate --data`): a second writer of a store a server serves would
    /// write beside it and leave its caches stale.
    public static func lock(_ path: String) throws(StartupError) -> DirectoryLock {
        do {
            return try DirectoryLock(path: path + "/" + lockFile)
        } catch {
            throw StartupError(description: "data directory \(path) is \(error); stop it, or give this one another --data")
        }
    }

    /// Makes sure `path` is a writable directory, creating it if missing, readable by its owner
    /// only (mode 700): it holds refresh tokens, the JWT signing key and the TLS private key.
    public static func prepare(_ path: String) throws {
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path) {
            guard attributes[.type] as? FileAttributeType == .typeDirectory else {
                throw StartupError(description: "data directory \(path) is a file, not a directory")
            }
            guard FileManager.default.isWritableFile(atPath: path) else {
                throw StartupError(description: "data directory \(path) is not writable")
            }
            // As ssh does with ~/.ssh: a folder someone else made, or could change, may hold a
            // signing key they chose (and so forge any token); it is refused, not used as found.
            if let problem = DataDirectory.untrusted(path, secret: false, folder: true) {
                throw StartupError(description: "data directory \(problem)")
            }
            // Best effort: a mounted volume may not let its user change the mode; the files inside are 600 anyway.
            try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StartupError(description: "cannot create data directory \(path): \(error.localizedDescription)")
        }
    }
}
