import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore
// Foundation, not FoundationEssentials alone: a file error's `localizedDescription` says what is wrong in words.
import Foundation
import HTTPServer
import Logging
import Synchronization

/// What `build` sets up around the parts: the certificate, the hosts served, the load's log.
extension MockApplication {
    /// Progress of a JSON Lines load through the control API (a reset, a fixture load): a line
    /// when a file begins, every 5 seconds while it loads, and when it is done.
    static func loggedProgress(_ logger: Logger) -> LoadProgress {
        let lastLine = Mutex<Duration>(.zero)
        return LoadProgress { step in
            let due = lastLine.withLock { last in
                guard step.bytes == 0 || step.finished || step.elapsed - last >= .seconds(5) else { return false }
                last = step.elapsed
                return true
            }
            guard due else { return }
            logger.info(
                step.finished ? "fixture file loaded" : step.bytes == 0 ? "loading a fixture file" : "loading a fixture file: so far",
                metadata: ["path": "\(step.path)", "jobs": "\(step.jobs)", "bytes": "\(step.bytes) of \(step.totalBytes)"])
        }
    }

    /// The names this server answers for: its bound address, this machine's name, the generated
    /// certificate's extra names and `--allow-host` ones (loopback names and IP literals always).
    static func hostPolicy(_ configuration: MockConfiguration) -> HostPolicy {
        var names = [configuration.http.host] + configuration.allowedHosts
        if case .generated(let extraNames) = configuration.tls { names += extraNames }
        names.append(ProcessInfo.processInfo.hostName)
        return HostPolicy(names: names, any: configuration.allowedHosts.contains("*"))
    }

    /// The certificate to serve, checked, with its file when there is one; logs where it is and its
    /// fingerprint, for pinning.
    static func tlsIdentity(_ choice: TLSChoice, data: DataDirectory, logger: Logger) throws -> (identity: TLSIdentity, path: String?)? {
        let identity: TLSIdentity
        let path: String?
        switch choice {
        case .off:
            return nil
        case .generated(let extraNames):
            do {
                (identity, path) = try data.certificate(names: (["localhost", "127.0.0.1", "::1"] + extraNames).uniqued())
            } catch {
                throw StartupError(description: "cannot make a TLS certificate: \(error)")
            }
        case .files(let certificate, let privateKey):
            guard let certificatePEM = try? String(contentsOfFile: certificate, encoding: .utf8) else {
                throw StartupError(description: "cannot read TLS certificate \(certificate)")
            }
            guard let keyPEM = try? String(contentsOfFile: privateKey, encoding: .utf8) else {
                throw StartupError(description: "cannot read TLS private key \(privateKey)")
            }
            identity = TLSIdentity(certificatePEM: certificatePEM, privateKeyPEM: keyPEM)
            path = certificate
        }
        do {
            let facts = try identity.inspect()
            logger.info(
                "TLS certificate",
                metadata: [
                    "path": "\(path ?? "(in memory)")", "sha256": "\(facts.fingerprintText)",
                    "names": "\(facts.subjectAltNames.joined(separator: ","))",
                ])
        } catch {
            throw StartupError(description: "invalid TLS certificate or key: \(error)")
        }
        return (identity, path)
    }

}

extension StoreLocation {
    var directoryPath: String? {
        if case .directory(let path) = self { return path }
        return nil
    }

    var displayName: String {
        switch self {
        case .memory: ":memory:"
        case .directory(let path): path
        }
    }
}
