#if canImport(Glibc)
    import Glibc
#endif

/// The checks RFC 9112 asks of a request's head before its body is read, which libmicrohttpd
/// 0.9.75 does not make: a body framed two ways (both `Content-Length` and `Transfer-Encoding`, or
/// two lengths) is how a request is smuggled past a proxy, so it is refused and the connection
/// closed (section 6.3); a transfer coding other than `chunked` cannot be read; a header name or
/// value with a character HTTP does not allow is refused rather than guessed at, and so is a
/// missing, repeated or malformed `Host`.
enum RequestFraming {
    static func problem(in headers: HTTPHeaders, http10: Bool = false) -> HTTPHeadPart? {
        // Counted, not collected: arrays made for every request of every client cost more than
        // the checks. Only Transfer-Encoding's values are kept, in the rare request that has one.
        var lengths = 0
        var codings: [String] = []
        var hosts = 0
        var validHosts = true
        for field in headers.fields {
            guard isToken(field.name), isFieldValue(field.value) else { return .malformedHeader }
            if field.name.caseInsensitiveEquals("Content-Length") { lengths += 1 }
            if field.name.caseInsensitiveEquals("Transfer-Encoding") { codings.append(field.value) }
            if field.name.caseInsensitiveEquals("Host") {
                hosts += 1
                validHosts = validHosts && isHost(field.value)
            }
        }
        // Section 3.2: exactly one Host in HTTP/1.1 (none or one in 1.0), and a valid one.
        if hosts > 1 || (hosts == 0 && !http10) || !validHosts { return .host }
        // Section 6.1: Transfer-Encoding in an HTTP/1.0 request is faulty framing; answered and
        // closed, so that bytes after its body are never read as a request of their own.
        if http10 && !codings.isEmpty { return .ambiguousLength }
        guard !codings.isEmpty else { return lengths > 1 ? .ambiguousLength : nil }
        if lengths > 0 { return .ambiguousLength }
        // libmicrohttpd reads a body as chunked only when the one field says exactly `chunked`:
        // `chunked,`, `,chunked` or `chunked` and a tab passed a check that split on commas and
        // dropped empty items, and the server then waited for a body it never framed. Anything
        // but that one word is refused; a real list ending in `chunked` cannot be decoded.
        if codings.count == 1, codings[0].caseInsensitiveEquals("chunked") { return nil }
        let items = codings.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map {
            trimmed($0.drop { $0 == " " || $0 == "\t" })
        }
        if items.contains(where: \.isEmpty) || codings.contains(where: { $0 != trimmed(Substring($0)) }) { return .ambiguousLength }
        // Only a final `chunked` tells where the body ends (section 6.3, item 4).
        return items.last!.caseInsensitiveEquals("chunked") ? .transferCoding : .ambiguousLength
    }

    /// `uri-host [":" port]`: a reg-name (unreserved, sub-delims, percent-encoded) or an IP literal
    /// in brackets, then an optional port of digits. No `@`, `/`, spaces or a second colon. Read as
    /// bytes: every request has a Host, and a walk over `Character`s asked Unicode's tables for each.
    private static func isHost(_ value: String) -> Bool {
        var rest = value.utf8[...]
        if rest.first == UInt8(ascii: "[") {
            guard let close = rest.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = rest[rest.index(after: rest.startIndex)..<close]
            guard literal.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else { return false }
            rest = rest[rest.index(after: close)...]
            return rest.isEmpty || (rest.first == UInt8(ascii: ":") && rest.dropFirst().allSatisfy(isDigit))
        }
        let colon = rest.firstIndex(of: UInt8(ascii: ":"))
        guard rest[..<(colon ?? rest.endIndex)].allSatisfy(isRegNameByte) else { return false }
        guard let colon else { return true }
        return rest[rest.index(after: colon)...].allSatisfy(isDigit)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// A reg-name's bytes: ASCII letters and digits, `-._~`, the sub-delims and `%`.
    private static func isRegNameByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || "-._~!$&'()*+,;=%".utf8.contains(byte)
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// A header name: one or more of RFC 9110 section 5.6.2's `tchar`. Every request's every header
    /// passes here, so its bytes are read in place and looked up in a table.
    private static func isToken(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in !bytes.isEmpty && bytes.allSatisfy { tokenBytes[Int($0)] } }
    }

    /// A header value holds no NUL, CR or LF: `memchr` for each (a token is a few hundred bytes).
    private static func isFieldValue(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return true }
            return memchr(base, 0, bytes.count) == nil && memchr(base, 0x0D, bytes.count) == nil && memchr(base, 0x0A, bytes.count) == nil
        }
    }

    /// `tchar`, by byte value.
    private static let tokenBytes: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
