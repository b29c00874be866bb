import CCKMCore
import HTTPServer
import Synchronization

/// What the app knows of a request besides its bytes, carried with it from routing to the
/// reply: its id (the `X-Request-ID`, the error envelope's `requestID`, the log's), when it came,
/// and its token's domain once resolved. Made only by `RequestIDs.context()`, and every envelope
/// and answer takes one, so no reply can be written under an id that was never the request's.
struct RequestContext: Sendable {
    let id: String
    let started: ContinuousClock.Instant
    /// The token's domain for a CCKM or scheduler path, resolved once for the handler and the
    /// journal; nil before then and elsewhere.
    var domain: Result<String, any Error>?

    fileprivate init(id: String) {
        self.id = id
        started = .now
    }
}

/// Request ids for `X-Request-ID`, the error envelope's `requestID` and the logs: a per-process
/// prefix and a counter, in a UUID's shape. Never drawn from the simulation's generator: one more
/// request (a 404) must not change the ids of the jobs after it. Under a seed the prefix comes
/// from the seed, so a seeded run's answers are the same bytes, envelopes included.
package final class RequestIDs: Sendable {
    /// The first 20 hex digits as `xxxxxxxx-xxxx-xxxx-xxxx-`: formatted once, not per request.
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    package init(seed: UInt64? = nil) {
        let bytes = seed.map { Array(Crypto.hmacSHA256(key: Array("cckm-mock request ids".utf8), message: Array(String($0).utf8)).prefix(10)) }
        let hex = Array(Hex.digits(bytes ?? Crypto.randomBytes(10)))
        prefix = String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-" + String(hex[12..<16]) + "-" + String(hex[16..<20]) + "-"
    }

    /// A new request's context, under the next id.
    func context() -> RequestContext {
        RequestContext(id: Self.id(prefix: prefix, counter.add(1, ordering: .relaxed).newValue & 0xFFFF_FFFF_FFFF))
    }

    /// `prefix` and `value` in 12 lowercase hex digits, written into one new string (built from
    /// `String(value, radix:)` and padding it was three, every request).
    static func id(prefix: String, _ value: UInt64) -> String {
        var prefix = prefix
        return prefix.withUTF8 { head in
            String(unsafeUninitializedCapacity: head.count + 12) { buffer in
                _ = buffer.initialize(fromContentsOf: head)
                for place in 0..<12 {
                    let digit = UInt8(truncatingIfNeeded: (value >> (4 * UInt64(11 - place))) & 0xF)
                    buffer[head.count + place] = digit < 10 ? 0x30 + digit : 0x57 + digit
                }
                return head.count + 12
            }
        }
    }
}
