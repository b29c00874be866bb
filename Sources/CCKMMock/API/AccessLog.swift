import CCKMCore
import CCKMEngine
import CCKMStore
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
package final class AccessLog: Sendable {
    let format: AccessLogFormat
    /// Where lines go: a test's closure, or (nil) standard error's `LineWriter`, which takes bytes.
    private let sink: (@Sendable (String) -> Void)?

    package init(format: AccessLogFormat, sink: (@Sendable (String) -> Void)? = nil) {
        self.format = format
        self.sink = sink
    }

    private func emit(_ line: [UInt8]) {
        if let sink { sink(String(decoding: line, as: UTF8.self)) } else { LineWriter.standardError.write(bytes: line) }
    }

    func record(_ request: HTTPRequest, status: Int, bytes: Int, microseconds: Int64, requestID: String) {
        switch format {
        case .off:
            return
        case .text:
            emit(Self.textLine(request, status: status, bytes: bytes, microseconds: microseconds, requestID: requestID))
        case .json:
            emit(
                Array(
                    JSONValue.object([
                        ("time", .string(SystemClock().now().description)), ("method", .string(request.method)),
                        ("path", .string(Self.target(request))), ("status", .number(String(status))), ("bytes", .number(String(bytes))),
                        ("microseconds", .number(String(microseconds))), ("requestID", .string(requestID)),
                    ]).jsonText.utf8))
        }
    }

    /// The path and the query as sent, credentials masked.
    static func target(_ request: HTTPRequest) -> String {
        var target = request.path
        for (index, item) in request.query.enumerated() {
            target += index == 0 ? "?" : "&"
            target += item.name
            if let value = item.value { target += "=" + (Secrets.isSecret(item.name) ? Secrets.mask : value) }
        }
        return target
    }

    /// `time method target status bytesB microsecondsus id`, as bytes appended into one buffer
    /// with room reserved: built as a string (interpolation, the query's `map` and `joined`, a
    /// second pass over the target) it cost a cached list about 7 % of its time.
    static func textLine(_ request: HTTPRequest, status: Int, bytes: Int, microseconds: Int64, requestID: String) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(96 + request.path.utf8.count + request.query.count * 24)
        SystemClock().now().appendDescription(to: &line)
        line.append(0x20)
        appendPrintable(request.method, to: &line)
        line.append(0x20)
        appendPrintable(request.path, to: &line)
        for (index, item) in request.query.enumerated() {
            line.append(index == 0 ? 0x3F : 0x26)
            appendPrintable(item.name, to: &line)
            if let value = item.value {
                line.append(0x3D)
                if Secrets.isSecret(item.name) { line.append(contentsOf: Secrets.mask.utf8) } else { appendPrintable(value, to: &line) }
            }
        }
        line.append(0x20)
        appendDecimal(status, to: &line)
        line.append(0x20)
        appendDecimal(bytes, to: &line)
        line.append(contentsOf: "B ".utf8)
        appendDecimal(Int(microseconds), to: &line)
        line.append(contentsOf: "us ".utf8)
        line.append(contentsOf: requestID.utf8)
        return line
    }

    private static func appendDecimal(_ value: Int, to line: inout [UInt8]) {
        guard value >= 0 else { return line.append(contentsOf: String(value).utf8) }
        Digits.append(Int64(value), to: &line)
    }
}

extension AccessLog {
    /// A field of a text line, appended as it can be trusted on a terminal: the path arrives
    /// percent-decoded, so `%0D%0A` would end the line and start a forged one, a space would shift
    /// the fields, and `%1B` would send terminal escapes. Each such character is written
    /// percent-encoded again; a field of plain printable ASCII (nearly all of them) is copied after
    /// one pass over its bytes.
    static func appendPrintable(_ field: String, to line: inout [UInt8]) {
        if field.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x25 }) {
            line.append(contentsOf: field.utf8)
            return
        }
        for scalar in field.unicodeScalars {
            guard needsEncoding(scalar) else {
                line.append(contentsOf: String(scalar).utf8)
                continue
            }
            for byte in String(scalar).utf8 { line.append(contentsOf: ("%" + Hex.digits(UInt64(byte), width: 2).uppercased()).utf8) }
        }
    }

    /// C0 and C1 controls, DEL and the space; `%` too, so that an encoded character cannot be
    /// told from a literal one.
    private static func needsEncoding(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value <= 0x20 || scalar == "%" || (0x7F...0x9F).contains(scalar.value)
    }
}
