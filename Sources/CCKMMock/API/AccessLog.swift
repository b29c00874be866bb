import HTTPServer
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How `--access-log` writes a line per request.
public enum AccessLogFormat: String, Sendable, CaseIterable {
    case off, text, json
}

/// One line per request: time, method, path (credentials in the query masked), status, body
/// bytes, microseconds and the request id the client got in `X-Request-ID`. Written to standard
/// error with the other logs by `LineWriter`: whole lines, in batches, off the request threads.
final class AccessLog: Sendable {
    let format: AccessLogFormat
    private let sink: @Sendable (String) -> Void

    init(format: AccessLogFormat, sink: (@Sendable (String) -> Void)? = nil) {
        self.format = format
        self.sink = sink ?? AccessLog.standardError
    }

    static let standardError: @Sendable (String) -> Void = { line in LineWriter.standardError.write(line) }

    func record(_ request: HTTPRequest, status: Int, bytes: Int, microseconds: Int64, requestID: String) {
        guard format != .off else { return }
        var target = request.path
        if !request.query.isEmpty {
            target +=
                "?"
                + request.query.map { item in
                    item.name + (item.value.map { "=" + (Secrets.isSecret(item.name) ? Secrets.mask : $0) } ?? "")
                }.joined(separator: "&")
        }
        let time = SystemClock().now().description
        switch format {
        case .off:
            return
        case .text:
            sink("\(time) \(Self.printable(request.method)) \(Self.printable(target)) \(status) \(bytes)B \(microseconds)us \(requestID)")
        case .json:
            sink(
                JSONValue.object([
                    ("time", .string(time)), ("method", .string(request.method)), ("path", .string(target)), ("status", .number(String(status))),
                    ("bytes", .number(String(bytes))), ("microseconds", .number(String(microseconds))), ("requestID", .string(requestID)),
                ]).jsonText)
        }
    }
}

extension AccessLog {
    /// A field of a text line as it can be trusted on a terminal: the path arrives percent-decoded,
    /// so `%0D%0A` would end the line and start a forged one, a space would shift the fields, and
    /// `%1B` would send terminal escapes. Each such character is written percent-encoded again.
    static func printable(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: needsEncoding) else { return field }
        var out = ""
        for scalar in field.unicodeScalars {
            guard needsEncoding(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            for byte in String(scalar).utf8 { out += "%" + Hex.digits(UInt64(byte), width: 2).uppercased() }
        }
        return out
    }

    /// C0 and C1 controls, DEL and the space; `%` too, so that an encoded character cannot be
    /// told from a literal one.
    private static func needsEncoding(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value <= 0x20 || scalar == "%" || (0x7F...0x9F).contains(scalar.value)
    }
}

/// Request ids for `X-Request-ID`, the error envelope's `requestID` and the logs: a per-process
/// prefix and a counter, in a UUID's shape. Never drawn from the simulation's generator: one more
/// request (a 404) must not change the ids of the jobs after it. Under a seed the prefix comes
/// from the seed, so a seeded run's answers are the same bytes, envelopes included.
final class RequestIDs: Sendable {
    /// The first 20 hex digits as `xxxxxxxx-xxxx-xxxx-xxxx-`: formatted once, not per request.
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init(seed: UInt64? = nil) {
        let bytes = seed.map { Array(Crypto.hmacSHA256(key: Array("cckm-mock request ids".utf8), message: Array(String($0).utf8)).prefix(10)) }
        let hex = Array(Hex.digits(bytes ?? Crypto.randomBytes(10)))
        prefix = String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-" + String(hex[12..<16]) + "-" + String(hex[16..<20]) + "-"
    }

    func next() -> String {
        prefix + Hex.digits(counter.add(1, ordering: .relaxed).newValue & 0xFFFF_FFFF_FFFF, width: 12)
    }
}
