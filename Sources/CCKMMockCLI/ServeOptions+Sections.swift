import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMServer
import CCKMStore
import HTTPServer

/// The parts of `serve`'s options that resolve into one setting each: the simulator, TLS, login.
extension ServeOptions {
    typealias Lookup<T> = (T?, String, (String) -> T?, T) throws -> T

    func simulatorSettings(environment: Environment, value: Lookup<String>) throws -> SimulatorSettings {
        let durationText = try value(targetDuration, "CCKM_MOCK_TARGET_DURATION", { $0 }, "2-6")
        guard let duration = durationRange(durationText) else {
            throw ValidationError("--target-duration must be N or MIN-MAX seconds with 0 <= MIN <= MAX <= 315576000 (10 years), got \(durationText)")
        }
        let failure =
            try failureRate ?? environment["CCKM_MOCK_FAILURE_RATE"].map { text in
                guard let rate = Double(text) else { throw ValidationError("CCKM_MOCK_FAILURE_RATE=\(text) is not a valid value") }
                return rate
            } ?? 0
        guard (0...1).contains(failure) else { throw ValidationError("--failure-rate must be between 0 and 1, got \(failure)") }
        let scale =
            try timeScale ?? environment["CCKM_MOCK_TIME_SCALE"].map { text in
                guard let scale = Double(text) else { throw ValidationError("CCKM_MOCK_TIME_SCALE=\(text) is not a valid value") }
                return scale
            } ?? 1
        guard SimulatorSettings.timeScales.contains(scale) else { throw ValidationError("--time-scale must be from 0.001 to 10000, got \(scale)") }
        let concurrent = allowConcurrentJobs || ["1", "true", "yes"].contains(environment["CCKM_MOCK_ALLOW_CONCURRENT_JOBS"]?.lowercased() ?? "")
        return SimulatorSettings(targetDuration: duration, failureRate: failure, timeScale: scale, allowConcurrentJobs: concurrent)
    }

    func tlsChoice(environment: Environment, value: Lookup<String>) throws -> TLSChoice {
        let mode = try value(tls, "CCKM_MOCK_TLS", { $0 }, "on")
        let certificate = tlsCert ?? environment["CCKM_MOCK_TLS_CERT"]
        let key = tlsKey ?? environment["CCKM_MOCK_TLS_KEY"]
        let names = tlsSan.isEmpty ? Self.list(environment["CCKM_MOCK_TLS_SAN"]) : tlsSan
        switch (mode, certificate, key) {
        case ("off", nil, nil): return .off
        case ("off", _, _): throw ValidationError("--tls-cert and --tls-key need --tls on")
        case ("on", nil, nil): return .generated(extraNames: names)
        case ("on", let certificate?, let key?): return .files(certificate: certificate, privateKey: key)
        case ("on", _, _): throw ValidationError("--tls-cert and --tls-key go together")
        default: throw ValidationError("--tls must be on or off, got \(mode)")
        }
    }

    func authSettings(environment: Environment, value: Lookup<String>) throws -> AuthSettings {
        let mode = try value(auth, "CCKM_MOCK_AUTH", { $0 }, "on")
        guard mode == "on" || mode == "off" else { throw ValidationError("--auth must be on or off, got \(mode)") }
        var users = ["admin": "admin"]
        for entry in user.isEmpty ? Self.list(environment["CCKM_MOCK_USERS"]) : user {
            guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                throw ValidationError("--user must be NAME:PASSWORD, got \(entry)")
            }
            users[String(entry[..<colon])] = String(entry[entry.index(after: colon)...])
        }
        let domains = (domain.isEmpty ? Self.list(environment["CCKM_MOCK_DOMAINS"]) : domain).filter { $0 != Job.rootDomain }.uniqued()
        let ttlText = try value(tokenTTL.map(String.init), "CCKM_MOCK_TOKEN_TTL", { $0 }, "300")
        guard let ttl = Int(ttlText), ttl >= 1 else {
            throw ValidationError("--token-ttl must be a whole number of seconds, 1 or more, got \(ttlText)")
        }
        return AuthSettings(enabled: mode == "on", accounts: Accounts(users: users, domains: domains), tokenTTL: ttl)
    }

    /// `1048576`, `512K`, `32M`, `1G` (binary multiples).
    static func byteCount(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        let unit = text.last.flatMap { units[Character($0.uppercased())] }
        guard let number = Int(unit == nil ? text : String(text.dropLast())), number >= 0 else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit ?? 1)
        return overflow ? nil : bytes
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map(String.init)
    }
}
