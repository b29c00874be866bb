import CCKMCore
import HTTPServer

/// Records a fixture from a live CipherTrust Manager (or another mock): logs in like a client, pages
/// through every family's job list in each domain, and keeps the jobs exactly as served, their
/// members in order. What `cckm-mock record` runs.
public struct Recorder {
    public enum Credentials: Sendable {
        case password(user: String, password: String)
        /// A bearer token for the one domain recorded.
        case token(String)
    }

    /// Why a recording stopped: the first answer that was not what a CM gives.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let client: HTTPClient
    public let credentials: Credentials
    public let domains: [String]
    public let families: [JobFamily]
    var pageSize = 100
    /// Most jobs kept of one family in one domain: a server whose `total` keeps growing, or that
    /// makes up new jobs on every page, ends the recording instead of running it forever.
    var maxJobsPerList = 1_000_000
    /// Most bytes of answers kept in all: the recording is held whole until it is checked and
    /// written, so a server of endless fat pages must end it before it ends the machine's memory.
    public var maxBytes = 1 << 30
    /// Progress lines (stderr in the CLI).
    public var progress: (String) -> Void = { _ in }

    public init(client: HTTPClient, credentials: Credentials, domains: [String], families: [JobFamily]) {
        self.client = client
        self.credentials = credentials
        self.domains = domains
        self.families = families
    }

    /// Every job of every family in every domain: `family` and `domain` first, then the job's
    /// members as served. Oldest first, so that a fixture loaded from it keeps the server's order.
    public func record() throws(Failure) -> [JSONValue] {
        var jobs: [JSONValue] = []
        var bytes = 0
        for domain in domains {
            var token = try login(domain)
            var refreshed = false
            for family in families {
                var skip = 0
                var count = 0
                var seen: Set<String> = []
                var lastReport = ContinuousClock.now
                var firstTotal: Int?
                pages: while true {
                    let path = "/api/v1/cckm/\(family.basePath)?sort=createdAt&skip=\(skip)&limit=\(pageSize)"
                    let answer = try get(path, token: token)
                    switch answer.status {
                    case 200:
                        break
                    case 401 where !refreshed:
                        // A token that expired mid-way is renewed once.
                        refreshed = true
                        token = try login(domain)
                        continue pages
                    case 404 where skip == 0:
                        progress("\(family.name) in \(domain): skipped, the server has no \(family.basePath) (404)")
                        break pages
                    default:
                        throw unexpected(path, answer)
                    }
                    guard let page = try? JSONParser.parse(answer.body), let total = page["total"]?.intValue,
                        let resources = page["resources"]?.arrayValue, resources.allSatisfy({ $0["id"]?.stringValue != nil })
                    else { throw unexpected(path, answer) }
                    for job in resources {
                        let members = job.objectValue ?? []
                        // What a page gives is checked, not trusted: a page answered again (a server
                        // that ignores `skip`) would write each job twice, and a job's own `family`
                        // or `domain` would repeat the keys the recording adds.
                        guard let id = job["id"]?.stringValue, seen.insert(id).inserted else {
                            throw Failure(description: "\(path): job \(job["id"]?.stringValue ?? "") was answered twice while paging")
                        }
                        if let clash = members.first(where: { $0.key == "family" || $0.key == "domain" }) {
                            throw Failure(description: "\(path): job \(id) has a member named \(clash.key), which no CM job has")
                        }
                        jobs.append(.object([("family", .string(family.name)), ("domain", .string(domain))] + members))
                    }
                    bytes += answer.body.count
                    guard bytes <= maxBytes else {
                        throw Failure(
                            description: "\(path): the answers passed \(maxBytes >> 20) MB; record fewer families or domains "
                                + "(--family, --domain), or allow more with --max-mb")
                    }
                    // Pages that keep coming well past the total the first one gave are made up.
                    let expected = firstTotal ?? total
                    firstTotal = expected
                    guard count + resources.count <= expected + pageSize else {
                        throw Failure(description: "\(path): pages keep coming past the \(expected) jobs the first page counted")
                    }
                    count += resources.count
                    skip += resources.count
                    guard count <= maxJobsPerList else {
                        throw Failure(
                            description: "\(path): more than \(maxJobsPerList) jobs of \(family.name) in \(domain) (the server says \(total))")
                    }
                    if resources.isEmpty || skip >= total { break }
                    // A long list says how far it is every few seconds, not only when it is done.
                    if ContinuousClock.now - lastReport >= .seconds(5) {
                        lastReport = .now
                        progress("\(family.name) in \(domain): \(count) of \(total) jobs so far")
                    }
                }
                if count > 0 { progress("\(family.name) in \(domain): \(count) job\(count == 1 ? "" : "s")") }
            }
        }
        return jobs
    }

    /// The AWS keys each domain's inventory holds, as a fixture's `cloud.aws` keys: each in the
    /// fake cloud and already synced into the domains that hold it. A key marked `gone` is no
    /// longer in the cloud, so it is left out. A server without the inventory (404) gives none.
    public func recordKeys() throws(Failure) -> [JSONValue] {
        var keys: [(id: String, members: [(key: String, value: JSONValue)], domains: [String])] = []
        var bytes = 0
        for domain in domains {
            let token = try login(domain)
            var skip = 0
            var count = 0
            pages: while true {
                let path = "/api/v1/cckm/aws/keys?sort=createdAt&skip=\(skip)&limit=\(pageSize)"
                let answer = try get(path, token: token)
                if answer.status == 404, skip == 0 {
                    progress("AWS keys in \(domain): skipped, the server has no key inventory (404)")
                    break pages
                }
                guard answer.status == 200, let page = try? JSONParser.parse(answer.body), let total = page["total"]?.intValue,
                    let resources = page["resources"]?.arrayValue
                else { throw unexpected(path, answer) }
                bytes += answer.body.count
                guard bytes <= maxBytes else {
                    throw Failure(description: "\(path): the answers passed \(maxBytes >> 20) MB; record fewer domains, or allow more with --max-mb")
                }
                for key in resources where key["gone"] != .bool(true) {
                    guard let parameters = key["aws_param"]?.objectValue, let keyID = key["aws_param"]?["KeyID"]?.stringValue,
                        let region = key["region"]?.stringValue
                    else { throw Failure(description: "\(path): a key without aws_param.KeyID or region") }
                    if let known = keys.firstIndex(where: { $0.id == keyID }) {
                        keys[known].domains.append(domain)
                        continue
                    }
                    let alias = key["aws_param"]?["Alias"]?.arrayValue?.first?.stringValue.map {
                        $0.hasPrefix("alias/") ? String($0.dropFirst(6)) : $0
                    }
                    var members: [(key: String, value: JSONValue)] = [("KeyId", .string(keyID)), ("region", .string(region))]
                    if let account = key["aws_param"]?["AWSAccountId"]?.stringValue { members.append(("account_id", .string(account))) }
                    if let alias { members.append(("alias", .string(alias))) }
                    let fixed: Set = ["AWSAccountId", "Arn", "KeyID", "Alias", "CreationDate"]
                    members.append(("parameters", .object(parameters.filter { !fixed.contains($0.key) })))
                    keys.append((keyID, members, [domain]))
                }
                count += resources.count
                skip += resources.count
                guard count <= maxJobsPerList else { throw Failure(description: "\(path): more than \(maxJobsPerList) keys in \(domain)") }
                if resources.isEmpty || skip >= total { break }
            }
            if count > 0 { progress("AWS keys in \(domain): \(count) key\(count == 1 ? "" : "s")") }
        }
        return keys.map { .object($0.members + [("synced", .array($0.domains.map(JSONValue.string)))]) }
    }

    /// What the server answers to a `GET` of each path (with its query), as WireMock mappings: the
    /// rest of a team's CM, captured once and served beside the modelled API (`stubs` in the
    /// fixture). Asked in the first domain; a JSON answer is kept as `jsonBody`, any other as
    /// text, with its status and content type.
    public func recordStubs(_ paths: [String]) throws(Failure) -> [JSONValue] {
        guard !paths.isEmpty else { return [] }
        let token = try login(domains.first ?? Job.rootDomain)
        var stubs: [JSONValue] = []
        var bytes = 0
        for path in paths {
            let answer = try get(path, token: token)
            bytes += answer.body.count
            guard bytes <= maxBytes else { throw Failure(description: "\(path): the answers passed \(maxBytes >> 20) MB; allow more with --max-mb") }
            var response: [(key: String, value: JSONValue)] = [("status", .number(String(answer.status)))]
            let type = answer.headers["Content-Type"]
            if let type { response.append(("headers", .object([("Content-Type", .string(type))]))) }
            if let json = try? JSONParser.parse(answer.body), type?.contains("json") ?? true {
                response.append(("jsonBody", json))
            } else if !answer.body.isEmpty {
                response.append(("body", .string(String(decoding: answer.body, as: UTF8.self))))
            }
            stubs.append(.object([("request", .object([("method", .string("GET")), ("url", .string(path))])), ("response", .object(response))]))
            progress("stub \(path): \(answer.status)")
        }
        return stubs
    }

    private func login(_ domain: String) throws(Failure) -> String {
        switch credentials {
        case .token(let token):
            return token
        case .password(let user, let password):
            let body = JSONValue.object([
                ("grant_type", .string("password")), ("username", .string(user)), ("password", .string(password)), ("domain", .string(domain)),
            ])
            let answer: HTTPClient.Response
            do {
                answer = try client.send(
                    "POST", "/api/v1/auth/tokens", headers: [("Content-Type", "application/json")], body: Array(body.jsonText.utf8))
            } catch {
                throw Failure(description: "login to \(domain): \(error)")
            }
            guard answer.status == 200, let jwt = (try? JSONParser.parse(answer.body))?["jwt"]?.stringValue else {
                throw unexpected("/api/v1/auth/tokens (domain \(domain))", answer)
            }
            return jwt
        }
    }

    private func get(_ path: String, token: String) throws(Failure) -> HTTPClient.Response {
        do {
            return try client.send("GET", path, headers: [("Authorization", "Bearer " + token), ("Accept", "application/json")])
        } catch {
            throw Failure(description: "GET \(path): \(error)")
        }
    }

    private func unexpected(_ what: String, _ answer: HTTPClient.Response) -> Failure {
        Failure(description: "unexpected answer to \(what): \(answer.status) \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
    }

    /// The recording checked as `fixtures validate` checks a file: a server that answers what no
    /// fixture may hold (a bad status, a date that is not one) fails the recording, not a later load.
    public static func validate(_ jobs: [JSONValue], domains: [String]) throws(Failure) {
        do {
            _ = try Fixture.parse(
                bytes: Array(fixture(jobs, domains: domains, jsonLines: false).utf8), source: "the recording", now: ManualClock.defaultStart)
        } catch {
            let shown = error.problems.prefix(5).joined(separator: "; ")
            throw Failure(description: "the server's jobs do not make a valid fixture: \(shown)\(error.problems.count > 5 ? "; …" : "")")
        }
    }

    /// A job as a lab CM served it, made fit for a fixture: only the members a fixture's job has
    /// (a CM release's extra ones, `created_by` say, are dropped, so none goes out unanonymized),
    /// and a running job none of whose targets says it is running (a message the mock does not
    /// know) kept as it is, `"simulate": false`, instead of refused.
    public static func fitted(_ job: JSONValue) -> JSONValue {
        guard let members = job.objectValue, let family = job["family"]?.stringValue.flatMap(JobFamily.named) else { return job }
        let known = FixtureReader.jobFields(of: family)
        var kept = members.filter { known.contains($0.key) }
        let running = job["overall_status"]?.stringValue.map { JobStatus(rawValue: $0) == .inProgress || $0 == "in progress" } ?? false
        let messages = job["detailed_status"]?.objectValue?.compactMap(\.value.stringValue) ?? []
        if running, !messages.isEmpty, !messages.contains(where: TargetMessage.isRunning), !kept.contains(where: { $0.key == "simulate" }) {
            kept.append(("simulate", .bool(false)))
        }
        return .object(kept)
    }

    /// The fixture: non-root domains, then the jobs; or JSON Lines, a job a line.
    /// JSON Lines hold jobs only: a recording with keys is written as JSON.
    public static func fixture(_ jobs: [JSONValue], keys: [JSONValue] = [], stubs: [JSONValue] = [], domains: [String], jsonLines: Bool) -> String {
        if jsonLines { return jobs.map(\.jsonText).joined(separator: "\n") + (jobs.isEmpty ? "" : "\n") }
        let declared = domains.filter { $0 != Job.rootDomain }
        var members: [(key: String, value: JSONValue)] = [("domains", .array(declared.map(JSONValue.string)))]
        if !keys.isEmpty { members.append(("cloud", .object([("aws", .array(keys))]))) }
        if !stubs.isEmpty { members.append(("stubs", .array(stubs))) }
        return JSONValue.object(members + [("jobs", .array(jobs))]).jsonText + "\n"
    }
}

/// Consistent stand-ins for what identifies a customer in recorded jobs: AWS account ids, Google
/// projects, and the names in target lists (vaults, key rings, organizations, groups, partitions,
/// domains), wherever they appear: the target lists, `detailed_status` keys, and the messages (a
/// failure quotes its resource). Regions and Google locations stay: they identify no one.
public struct Anonymizer {
    private var aliases: [String: String] = [:]
    private var counts: [String: Int] = [:]

    public init() {}

    private static let kinds: [String: String] = [
        "kms": "kms", "key_vaults": "vault", "key_rings": "ring", "vaults": "vault", "groups": "group", "partitions": "partition",
        "domains": "domain",
    ]

    public mutating func anonymize(_ job: JSONValue) -> JSONValue {
        guard let members = job.objectValue else { return job }
        let family = job["family"]?.stringValue.flatMap(JobFamily.named)
        func isTargetList(_ key: String) -> Bool { Self.kinds[key] != nil && family?.targetFields.contains(key) == true }
        // Target names first: `detailed_status`, which comes before the lists, names them too.
        for (key, value) in members where isTargetList(key) {
            let prefix = family?.bodyTargetField == "organization_ids" ? "org" : Self.kinds[key] ?? "target"
            for name in value.arrayValue?.compactMap(\.stringValue) ?? [] { _ = target(name, prefix) }
        }
        var out: [(key: String, value: JSONValue)] = []
        for (key, value) in members {
            if isTargetList(key), let items = value.arrayValue {
                out.append((key, .array(items.map { $0.stringValue.map { .string(aliases[$0] ?? $0) } ?? $0 })))
            } else if key == "detailed_status", let entries = value.objectValue {
                out.append((key, .object(entries.map { (rename($0.key), $0.value.stringValue.map { .string(scrub($0)) } ?? $0.value) })))
            } else {
                out.append((key, value))
            }
        }
        return .object(out)
    }

    /// A target's stand-in. A Google resource name (`projects/P/locations/L/keyRings/R`) keeps its
    /// shape and location; its project and ring get stand-ins of their own.
    private mutating func target(_ name: String, _ kind: String) -> String {
        if let known = aliases[name] { return known }
        var parts = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "projects", parts[2] == "locations", parts[4] == "keyRings" else { return alias(name, kind) }
        parts[1] = alias(parts[1], "project")
        parts[5] = alias(parts[5], kind)
        let made = parts.joined(separator: "/")
        aliases[name] = made
        return made
    }

    /// A `detailed_status` key: a whole target's name, or part by part an account id, a project or a
    /// name seen in a target list.
    private mutating func rename(_ key: String) -> String {
        if let known = aliases[key] { return known }
        if key.hasPrefix("projects/") { return target(key, "ring") }
        return key.split(separator: "/", omittingEmptySubsequences: false).map { part -> String in
            let text = String(part)
            if text.count == 12, text.allSatisfy(\.isNumber) { return alias(text, "account") }
            return aliases[text] ?? text
        }.joined(separator: "/")
    }

    /// A message with every name that has a stand-in replaced, longest first (a whole resource name
    /// before its project), and every 12-digit account id.
    private mutating func scrub(_ message: String) -> String {
        var text = message
        for (name, made) in aliases.sorted(by: { $0.key.count > $1.key.count }) where !name.isEmpty && text.contains(name) {
            text = text.replacing(name, with: made)
        }
        var out = ""
        var digits = ""
        for character in text + " " {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            out += digits.count == 12 ? alias(digits, "account") : digits
            digits = ""
            out.append(character)
        }
        return String(out.dropLast())
    }

    /// A recorded cloud key with its account, alias and the account ids in its parameters (a
    /// policy names them) replaced, consistently with the jobs'.
    public mutating func anonymizeKey(_ key: JSONValue) -> JSONValue {
        guard let members = key.objectValue else { return key }
        return .object(
            members.map { member in
                switch member.key {
                case "account_id": (member.key, member.value.stringValue.map { .string(alias($0, "account")) } ?? member.value)
                case "alias": (member.key, member.value.stringValue.map { .string(alias($0, "key")) } ?? member.value)
                case "parameters": (member.key, scrubbed(member.value))
                default: member
                }
            })
    }

    /// A recorded stub with its answer's accounts and names replaced as the jobs' are.
    public mutating func anonymizeStub(_ stub: JSONValue) -> JSONValue {
        guard let members = stub.objectValue else { return stub }
        return .object(members.map { member in member.key == "response" ? (member.key, scrubbed(member.value)) : member })
    }

    private mutating func scrubbed(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(scrub(text))
        case .array(let items): .array(items.map { scrubbed($0) })
        case .object(let members): .object(members.map { ($0.key, scrubbed($0.value)) })
        default: value
        }
    }

    private mutating func alias(_ value: String, _ kind: String) -> String {
        if let known = aliases[value] { return known }
        let number = counts[kind, default: 0] + 1
        counts[kind] = number
        let made = kind == "account" ? String(100_000_000_000 + number) : "\(kind)-\(number)"
        aliases[value] = made
        return made
    }
}
