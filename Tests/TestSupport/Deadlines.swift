import Foundation

/// A wait that ran out: what it waited for and how long.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public let limit: Duration
    public var description: String { "waited \(limit) for \(what); it never came" }

    public init(what: String, limit: Duration) {
        self.what = what
        self.limit = limit
    }
}

/// Checks `condition` until it holds, sleeping between looks (never spinning), and throws
/// `TimedOut` naming `what` once `limit` has passed; a cancelled test ends the wait at once.
public func eventually(
    _ what: String, within limit: Duration = .seconds(30), _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    var pause = Duration.milliseconds(1)
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what, limit: limit) }
        try await Task.sleep(for: pause)
        pause = min(pause * 2, .milliseconds(50))
    }
}

/// The same for code that is not async (a thread of its own, a `Thread` a test started): it
/// blocks only the thread it runs on, which is never one of the cooperative pool's in a test
/// with a `TestBudget`.
public func blockUntil(_ what: String, within limit: Duration = .seconds(30), _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + limit
    while try !condition() {
        guard ContinuousClock.now < deadline, !Task.isCancelled else { throw TimedOut(what: what, limit: limit) }
        usleep(2_000)
    }
}
