import Synchronization

/// What a test started and must stop, whatever happens to it: servers, child processes. A
/// `TestBudget` gives each test its own and runs it when the test ends, as Go's `t.Cleanup`
/// does, last added first; a server or a process made outside such a test is refused.
public final class TestCleanups: Sendable {
    @TaskLocal public static var current: TestCleanups?

    private let actions = Mutex<[@Sendable () -> Void]>([])

    init() {}

    /// Adds `action` to run when the test ends. Outside a test that has a `TestBudget`, throws.
    public static func add(_ what: String, _ action: @escaping @Sendable () -> Void) throws {
        guard let current else { throw OutsideABudget(what: what) }
        current.actions.withLock { $0.append(action) }
    }

    func runAll() {
        let all = actions.withLock { actions in
            defer { actions = [] }
            return actions
        }
        for action in all.reversed() { action() }
    }

    struct OutsideABudget: Error, CustomStringConvertible {
        let what: String
        var description: String {
            "\(what) was made outside a test with a TestBudget trait (.inProcess or .live on its suite), so nothing would stop it"
        }
    }
}
