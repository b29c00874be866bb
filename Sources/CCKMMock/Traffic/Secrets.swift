import CCKMCore
import CCKMEngine
import CCKMStore

/// What the journal never keeps in the clear: the values of members and parameters named like a
/// credential (`password`, `refresh_token`, `jwt`, `client_secret`, `token`, …), wherever they
/// sit in a JSON body, in a form body or in the query. The journal is served without auth unless
/// `--admin-token` is set, and a login body is exactly what a test's client sends.
enum Secrets {
    static let mask = "***"

    /// Lower-case name parts that make a member secret.
    private static let secretParts = ["password", "passwd", "passphrase", "secret", "token", "jwt", "api_key", "apikey", "private_key"]

    private static let secretPartBytes = secretParts.map { Array($0.utf8) }
    private static let kindSuffix = Array("_type".utf8)

    /// Byte by byte, ASCII case folded and `-` read as `_` (`api-key` is `api_key`): every
    /// request's query names pass through here, and Foundation's `lowercased().contains(_:)` was a
    /// measurable part of an uncached list.
    static func isSecret(_ name: String) -> Bool {
        let lowered = name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 == 0x2D ? 0x5F : $0 }
        // `token_type` and `grant_type` name a kind, not a value.
        guard !lowered.reversed().starts(with: kindSuffix.reversed()) else { return false }
        // A plain scan: the standard library's `contains(_:)` of one collection in another is
        // generic, and its type lookups were 3.5 % of an uncached list (each query name passes
        // here twice, for the journal and the access log).
        return secretPartBytes.contains { part in Self.occurs(part, in: lowered) }
    }

    private static func occurs(_ part: [UInt8], in bytes: [UInt8]) -> Bool {
        guard part.count <= bytes.count else { return false }
        for start in 0...(bytes.count - part.count) {
            var index = 0
            while index < part.count, bytes[start + index] == part[index] { index += 1 }
            if index == part.count { return true }
        }
        return false
    }

    /// The body as the journal keeps it: JSON with secret members masked (kept in order), a form
    /// body with secret fields masked, anything else as it came.
    static func masked(body: ArraySlice<UInt8>) -> String {
        guard !body.isEmpty else { return "" }
        if let document = try? JSONParser.parse(Array(body)) {
            return masked(document).jsonText
        }
        let text = String(decoding: body, as: UTF8.self)
        // JSON cut at the journal's limit, or broken: mask what looks like a secret member anyway.
        if text.contains("{") { return maskedMembers(in: Array(text.utf8)) }
        guard text.contains("=") else { return text }
        return text.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            guard let equals = pair.firstIndex(of: "="), isSecret(String(pair[..<equals])) else { return String(pair) }
            return pair[...equals] + mask
        }.joined(separator: "&")
    }

    /// Text that is not valid JSON: every `"name": value` whose name is secret gets its value
    /// masked, found by scanning for quoted strings. A name is read with its escapes decoded
    /// (`"pass\u0077ord"` is `password` to any JSON reader), and a value that is not a string (a
    /// number, `true`) is masked up to where it ends.
    private static func maskedMembers(in bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        var lastString: (start: Int, end: Int)?
        while index < bytes.count {
            let byte = bytes[index]
            if byte != 0x22, let name = lastString, followsSecretName(name, at: index, in: bytes), !isSpace(byte), byte != 0x3A {
                // A bare value after `"secret":`: drop it up to the next delimiter.
                while index < bytes.count, ![0x2C, 0x7D, 0x5D].contains(bytes[index]), !isSpace(bytes[index]) { index += 1 }
                out += Array("\"\(mask)\"".utf8)
                lastString = nil
                continue
            }
            guard byte == 0x22 else {
                if !isSpace(byte) && byte != 0x3A { lastString = nil }
                out.append(byte)
                index += 1
                continue
            }
            var end = index + 1
            while end < bytes.count, bytes[end] != 0x22 { end += bytes[end] == 0x5C ? 2 : 1 }
            let stringEnd = min(end, bytes.count - 1)
            // A string that follows `"name":` with a secret name is a value to mask.
            if let name = lastString, followsSecretName(name, at: index, in: bytes) {
                out += Array("\"\(mask)\"".utf8)
                lastString = nil
            } else {
                out += bytes[index...stringEnd]
                lastString = (index, stringEnd)
            }
            index = stringEnd + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// Whether the text between the string `name` and `index` is a colon, and the name, decoded as
    /// JSON decodes it, is a secret's.
    private static func followsSecretName(_ name: (start: Int, end: Int), at index: Int, in bytes: [UInt8]) -> Bool {
        guard name.end + 1 <= index, bytes[name.end + 1..<index].contains(0x3A) else { return false }
        let quoted = Array(bytes[name.start...name.end])
        let decoded = (try? JSONParser.parse(quoted))?.stringValue ?? String(decoding: quoted.dropFirst().dropLast(), as: UTF8.self)
        return isSecret(decoded)
    }

    static func masked(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(
                members.map { member in (member.key, isSecret(member.key) && member.value != .null ? .string(mask) : masked(member.value)) })
        case .array(let items):
            return .array(items.map(masked))
        default:
            return value
        }
    }
}
