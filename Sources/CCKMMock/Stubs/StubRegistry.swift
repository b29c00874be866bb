import CCKMCore
import HTTPServer
import Synchronization

/// The stubs a test declared in WireMock's format, and their scenarios' states. A request no
/// control route takes is offered here first (`CCKMApp.answer`): the best match answers (lowest
/// `priority`, then the newest), whatever the modelled API would have said. The start-up stubs
/// (`--mappings`, a fixture's `stubs`) are the baseline a reset returns to.
///
/// Matching reads an immutable index taken under the lock in one step: stubs by exact path (most
/// are) and the rest, so that 10,000 stubs on other paths cost a modelled list a dictionary look-up.
package final class StubRegistry: Sendable {
    /// A scenario's state before any stub moved it, as WireMock names it.
    static let started = "Started"

    final class Index: Sendable {
        /// Oldest first.
        let stubs: [StubMapping]
        let byPath: [String: [Int]]
        let others: [Int]

        init(_ stubs: [StubMapping]) {
            self.stubs = stubs
            var byPath: [String: [Int]] = [:]
            var others: [Int] = []
            for (index, stub) in stubs.enumerated() {
                switch stub.request.url {
                case .url(let url): byPath[String(url.prefix { $0 != "?" }), default: []].append(index)
                case .urlPath(let path): byPath[path, default: []].append(index)
                default: others.append(index)
                }
            }
            self.byPath = byPath
            self.others = others
        }

        func candidates(_ path: String) -> [Int] {
            guard let exact = byPath[path] else { return others }
            return others.isEmpty ? exact : (exact + others)
        }
    }

    private struct State {
        var index = Index([])
        var baseline: [StubMapping] = []
        var scenarios: [String: String] = [:]
    }

    private let state: Mutex<State>
    /// How many stubs there are, read without the lock: none is the common case.
    private let count = Atomic<Int>(0)

    package init(baseline: [StubMapping] = []) {
        state = Mutex(State(index: Index(baseline), baseline: baseline))
        count.store(baseline.count, ordering: .relaxed)
    }

    package var isEmpty: Bool { count.load(ordering: .relaxed) == 0 }

    /// Every stub, newest first, as `GET /__admin/mappings` lists them.
    package var all: [StubMapping] { state.withLock { $0.index.stubs.reversed() } }

    package func stub(_ id: String) -> StubMapping? { state.withLock { $0.index.stubs.first { $0.id == id } } }

    /// Adds a stub, or replaces the one with its id (where it stood).
    package func add(_ stub: StubMapping) {
        change { stubs in
            if let at = stubs.firstIndex(where: { $0.id == stub.id }) { stubs[at] = stub } else { stubs.append(stub) }
        }
    }

    /// Replaces a stub; false when there is none with the id.
    package func replace(_ id: String, with stub: StubMapping) -> Bool {
        change { stubs in
            guard let at = stubs.firstIndex(where: { $0.id == id }) else { return false }
            stubs[at] = stub
            return true
        }
    }

    package func remove(_ id: String) -> Bool {
        change { stubs in
            guard let at = stubs.firstIndex(where: { $0.id == id }) else { return false }
            stubs.remove(at: at)
            return true
        }
    }

    package func removeAll() { change { $0.removeAll() } }

    /// Back to the baseline's stubs (the start-up ones, or `baseline`'s from now on), every
    /// scenario to its start.
    package func reset(to baseline: [StubMapping]? = nil) {
        state.withLock { state in
            if let baseline { state.baseline = baseline }
            state.index = Index(state.baseline)
            state.scenarios = [:]
            count.store(state.baseline.count, ordering: .relaxed)
        }
    }

    /// Every scenario back to its start (`POST /__admin/scenarios/reset`).
    package func resetScenarios() { state.withLock { $0.scenarios = [:] } }

    /// Sets a scenario's state; false when no stub names the scenario.
    package func setScenario(_ name: String, to value: String) -> Bool {
        state.withLock { state in
            guard state.index.stubs.contains(where: { $0.scenario?.name == name }) else { return false }
            state.scenarios[name] = value
            return true
        }
    }

    /// The scenarios stubs name: each with its state and the states its stubs name.
    package var scenarios: [(name: String, state: String, possible: [String])] {
        state.withLock { state in
            var order: [String] = []
            var possible: [String: [String]] = [:]
            for stub in state.index.stubs {
                guard let scenario = stub.scenario else { continue }
                if possible[scenario.name] == nil { order.append(scenario.name) }
                possible[scenario.name, default: [Self.started]] += [scenario.required, scenario.next].compactMap { $0 }
            }
            return order.map { ($0, state.scenarios[$0] ?? Self.started, possible[$0]!.uniqued()) }
        }
    }

    private func change<Result>(_ edit: (inout [StubMapping]) -> Result) -> Result {
        state.withLock { state in
            var stubs = state.index.stubs
            let result = edit(&stubs)
            state.index = Index(stubs)
            count.store(stubs.count, ordering: .relaxed)
            return result
        }
    }

    /// The stub that answers `request`, its scenario moved on; nil when none matches. `domain`
    /// tells the request's domain (its token's), asked only when a matching stub names one.
    package func answer(_ request: HTTPRequest, domain: @escaping () -> String? = { nil }) -> StubMapping? {
        guard !isEmpty else { return nil }
        let index = state.withLock { $0.index }
        var seen = StubRequestView(request)
        seen.domain = domain
        // Each candidate is matched once; the scenario states are read (and moved) under the lock.
        let matching = index.candidates(request.path).filter { seen.matches(index.stubs[$0]) }
        let first = { (eligible: [Int]) -> Int? in
            eligible.min { a, b in
                let (x, y) = (index.stubs[a], index.stubs[b])
                return x.priority != y.priority ? x.priority < y.priority : a > b
            }
        }
        guard matching.contains(where: { index.stubs[$0].scenario != nil }) else { return first(matching).map { index.stubs[$0] } }
        return state.withLock { state in
            let eligible = matching.filter { candidate in
                guard let scenario = index.stubs[candidate].scenario else { return true }
                return scenario.required == nil || scenario.required == (state.scenarios[scenario.name] ?? Self.started)
            }
            guard let chosen = first(eligible) else { return nil }
            let stub = index.stubs[chosen]
            if let scenario = stub.scenario, let next = scenario.next { state.scenarios[scenario.name] = next }
            return stub
        }
    }

    /// The stubs closest to `request`, nearest first: WireMock's near misses.
    package func nearest(_ request: HTTPRequest, limit: Int) -> [(stub: StubMapping, distance: Double)] {
        let index = state.withLock { $0.index }
        let seen = StubRequestView(request)
        return index.stubs.map { ($0, seen.distance($0.request)) }.sorted { $0.1 < $1.1 }.prefix(limit).map { $0 }
    }
}

/// A request as a stub pattern reads it: the URL as sent rebuilt once, the body as text, and its
/// domain when a stub for one domain asks.
struct StubRequestView {
    var domain: () -> String? = { nil }
    let method: String
    let path: String
    let url: String
    let query: [(name: String, value: String?)]
    let headers: [(name: String, value: String)]
    let body: String

    init(_ request: HTTPRequest) {
        self.init(
            method: request.method, path: request.path, query: request.query, headers: request.headers.fields.map { ($0.name, $0.value) },
            body: request.body)
    }

    init(method: String, path: String, query: [QueryItem], headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.path = path
        self.query = query.map { ($0.name, $0.value) }
        self.url =
            query.isEmpty
            ? path : path + "?" + query.map { Self.encode($0.name) + ($0.value.map { "=" + Self.encode($0) } ?? "") }.joined(separator: "&")
        self.headers = headers
        self.body = String(decoding: body, as: UTF8.self)
    }

    func matches(_ pattern: StubRequestPattern) -> Bool {
        pattern.matches(method: method, path: path, url: url, query: query, headers: headers, body: body)
    }

    /// A stub's pattern, and its domain when it names one.
    func matches(_ stub: StubMapping) -> Bool {
        matches(stub.request) && (stub.domain == nil || stub.domain == domain())
    }

    func distance(_ pattern: StubRequestPattern) -> Double {
        pattern.distance(method: method, path: path, url: url, query: query, headers: headers, body: body)
    }

    /// Percent-encoding of everything but RFC 3986's unreserved characters.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if byte < 0x80, character.isLetter || character.isNumber || "-._~".contains(character) {
                out.append(character)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
