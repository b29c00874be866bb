/// The checks RFC 9112 asks of a request's head before its body is read, which libmicrohttpd
/// 0.9.75 does not make: a body framed two ways (both `Content-Length` and `Transfer-Encoding`, or
/// two lengths) is how a request is smuggled past a proxy, so it is refused and the connection
/// closed (section 6.3); a transfer coding other than `chunked` cannot be read; a header name or
/// value with a character HTTP does not allow is refused rather than guessed at.
enum RequestFraming {
    static func problem(in headers: HTTPHeaders) -> HTTPHeadPart? {
        var lengths: [String] = []
        var codings: [String] = []
        for field in headers.fields {
            guard field.name.utf8.allSatisfy(isTokenByte), !field.name.isEmpty else { return .malformedHeader }
            guard !field.value.utf8.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A }) else { return .malformedHeader }
            if field.name.caseInsensitiveEquals("Content-Length") { lengths.append(field.value) }
            if field.name.caseInsensitiveEquals("Transfer-Encoding") { codings.append(field.value) }
        }
        guard !codings.isEmpty else { return lengths.count > 1 ? .ambiguousLength : nil }
        if !lengths.isEmpty { return .ambiguousLength }
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

    private static func trimmed(_ text: Substring) -> String {
        String(text.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// RFC 9110 section 5.6.2's `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
