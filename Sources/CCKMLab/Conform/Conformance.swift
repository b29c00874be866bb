import CCKMCore
import HTTPServer

/// A conformance run: every probe sent to the mock and to the lab CM, each side with its own ids,
/// and the answers compared in shape (`JSONShape`), never in values that differ between any two
/// CMs. What `cckm-mock conform` runs.
package struct Conformance {
    package let mock: ConformSide
    package let live: ConformSide
    package let probes: [ConformProbe]
    /// Progress lines (standard error in the CLI).
    package var progress: (String) -> Void = { _ in }
    /// The jobs tier: a real job on each of these targets (`--allow-jobs --target`).
    package var jobTargets: [ConformJobTarget] = []
    /// How long a job of the jobs tier may run on either side, and the pause between two looks at it.
    package var jobTimeout: Duration = .seconds(300)
    package var pollInterval: Duration = .seconds(1)

    package init(mock: ConformSide, live: ConformSide, probes: [ConformProbe]) {
        self.mock = mock
        self.live = live
        self.probes = probes
    }

    /// The run could not check anything: the lab CM is unreachable or refused the login.
    package struct NothingChecked: Error, CustomStringConvertible {
        package var description: String
    }

    package struct ProbeResult: Sendable, Equatable {
        package enum Outcome: Sendable, Equatable {
            case same
            case different
            /// Not about this probe (no job to ask for, a licence, a 403, a transport error): neither pass nor fail.
            case couldNotCheck(String)

            package var isUnchecked: Bool {
                if case .couldNotCheck = self { return true }
                return false
            }
        }

        package var name: String
        package var group: String
        package var outcome: Outcome
        package var differences: [ConformDifference]
    }

    package struct Result: Sendable {
        package var cmVersion: String?
        package var probes: [ProbeResult]
        /// The lab CM's jobs of each family's default page, as `record` keeps them: `family` and
        /// `domain` first, then the members as served.
        package var liveJobs: [JSONValue] = []
        /// What a write of the run left on the lab CM because its clean-up failed: each says what
        /// and where, so that someone can delete it.
        package var leftOnLab: [String] = []
        package var differences: [ConformDifference] { probes.flatMap(\.differences) }
        /// Probes past the two logins that were compared (same or different).
        package var checkedPastLogins: Int {
            probes.filter { $0.group != "auth" && !$0.outcome.isUnchecked }.count
        }
    }

    /// How many of the lab CM's jobs `--save-live` keeps at most (each family's first page is
    /// usually far less); the rest are counted, not kept.
    package static let liveJobsKept = 10_000

    /// An answer reduced, as it arrives, to what is compared: a run keeps no body (16 MB pages
    /// took a run past 1 GB when every parsed answer was kept to its end).
    package enum Reduced: Sendable {
        case answered(status: Int, contentType: String?, shape: JSONShape?, members: [String], tag: String?)
        case failed(String)

        init(_ outcome: ConformSide.Outcome) {
            switch outcome {
            case .failed(let why): self = .failed(why)
            case .answered(let status, let contentType, let body):
                self = .answered(
                    status: status, contentType: contentType, shape: body.map(JSONShape.init), members: (body?.objectValue ?? []).map(\.key),
                    tag: body.map(JSONShape.tag))
            }
        }
    }

    private struct Answered {
        var probe: ConformProbe
        var mock: Reduced?
        var live: Reduced?
        var skipped: String?

        init(probe: ConformProbe, mock: ConformSide.Outcome? = nil, live: ConformSide.Outcome? = nil, skipped: String? = nil) {
            self.probe = probe
            self.mock = mock.map(Reduced.init)
            self.live = live.map(Reduced.init)
            self.skipped = skipped
        }
    }

    package func run() throws(NothingChecked) -> Result {
        let liveLogin = live.logIn()
        switch liveLogin.outcome {
        case .failed(let why):
            throw NothingChecked(description: "cannot reach the lab CM at \(live.client.endpoint.host):\(live.client.endpoint.port): \(why)")
        case .answered(let status, _, _) where !(200..<300).contains(status):
            throw NothingChecked(description: "the lab CM refused the login (HTTP \(status)); check the username, password and domain")
        default: break
        }
        let mockLogin = mock.logIn()
        if case .failed(let why) = mockLogin.outcome { throw NothingChecked(description: "cannot reach the mock: \(why)") }
        var answered = [Answered(probe: Self.loginProbe, mock: mockLogin.outcome, live: liveLogin.outcome)]
        answered.append(Answered(probe: Self.refreshProbe, mock: mock.refresh(), live: live.refresh()))
        var firstIDs: [String: (mock: String?, live: String?)] = [:]
        var leftOnLab: [String] = []
        var liveJobs: [JSONValue] = []
        var liveJobsSeen = 0
        var version: String?
        for (index, probe) in probes.enumerated() {
            if index % 20 == 0 { progress("conform: \(index) of \(probes.count) probes") }
            var entry = Answered(probe: probe)
            var paths = (mock: probe.path, live: probe.path)
            if let list = probe.idFrom {
                let ids = firstIDs[list] ?? (nil, nil)
                guard let mockID = ids.mock, let liveID = ids.live else {
                    let side = ids.live == nil && ids.mock == nil ? "either side" : ids.live == nil ? "the lab CM" : "the mock"
                    entry.skipped = list.hasSuffix("/keys") ? "no key on \(side) to ask for" : "no job of this family on \(side) to ask for"
                    answered.append(entry)
                    continue
                }
                paths = (probe.path.replacingID(with: mockID), probe.path.replacingID(with: liveID))
            }
            let mockAnswer = mock.send(probe.method, paths.mock, body: probe.body, bearer: probe.token == .bearer)
            let liveAnswer = live.send(probe.method, paths.live, body: probe.body, bearer: probe.token == .bearer)
            if probe.isList, probe.path.firstIndex(of: "?") == nil {
                firstIDs[probe.path] = (Self.firstID(mockAnswer), Self.firstID(liveAnswer))
            }
            if probe.isList, probe.path.hasPrefix("/api/v1/cckm/"), !probe.path.contains("?"), case .answered(200, _, let body?) = liveAnswer,
                let items = body["resources"]?.arrayValue, let family = JobFamily.all.first(where: { "/api/v1/cckm/" + $0.basePath == probe.path })
            {
                for case .object(let members) in items where !members.contains(where: { $0.key == "family" || $0.key == "domain" }) {
                    liveJobsSeen += 1
                    guard liveJobs.count < Self.liveJobsKept else { continue }
                    liveJobs.append(.object([("family", .string(family.name)), ("domain", .string(live.domainName))] + members))
                }
            }
            if probe.path == "/api/v1/system/info", case .answered(200, _, let body?) = liveAnswer { version = body["version"]?.stringValue }
            entry.mock = Reduced(mockAnswer)
            entry.live = Reduced(liveAnswer)
            answered.append(entry)
            _ = cleanUp(probe, mockAnswer, on: mock)
            if let left = cleanUp(probe, liveAnswer, on: live) {
                leftOnLab.append(left)
                progress("conform: \(left)")
            }
        }
        for target in jobTargets {
            progress("conform: a job on \(target.family.name) \(target.id), on both sides")
            for (probe, mockAnswer, liveAnswer) in jobSteps(target) {
                answered.append(
                    Answered(
                        probe: probe, mock: mockAnswer, live: liveAnswer,
                        skipped: mockAnswer == nil || liveAnswer == nil ? "the job did not end within the timeout on one side" : nil))
            }
        }
        // Enumerated values the mock sends anywhere in the run, and the statuses it knows.
        var vocabulary: [String: Set<String>] = [
            "overall_status": Set(JobStatus.allCases.map(\.rawValue)), "operation": Set(SchedulerOperation.all.map(\.name)),
            "job_status": Set(SchedulerRun.statuses),
        ]
        for entry in answered {
            guard case .answered(_, _, let shape?, _, _)? = entry.mock else { continue }
            for (path, values) in shape.enums { vocabulary[Self.member(path), default: []].formUnion(values) }
        }
        let results = answered.map { entry in
            if let why = entry.skipped {
                return ProbeResult(name: entry.probe.name, group: entry.probe.group, outcome: .couldNotCheck(why), differences: [])
            }
            return Self.compare(entry.probe, mock: entry.mock, live: entry.live, vocabulary: vocabulary)
        }
        if liveJobsSeen > liveJobs.count {
            progress("conform: kept the first \(liveJobs.count) of the lab CM's \(liveJobsSeen) jobs (the most --save-live keeps)")
        }
        return Result(cmVersion: version, probes: results, liveJobs: liveJobs, leftOnLab: leftOnLab)
    }

    static let loginProbe = ConformProbe(name: "POST /api/v1/auth/tokens (password)", group: "auth", method: "POST", path: "/api/v1/auth/tokens")
    static let refreshProbe = ConformProbe(
        name: "POST /api/v1/auth/tokens (refresh_token)", group: "auth", method: "POST", path: "/api/v1/auth/tokens")

    /// A job configuration the write tier created is deleted again at once; what it says when
    /// the delete did not succeed (the configuration is still there), nil otherwise.
    private func cleanUp(_ probe: ConformProbe, _ outcome: ConformSide.Outcome?, on side: ConformSide) -> String? {
        guard probe.method == "POST", probe.path.hasSuffix("/job-configs"), case .answered(200..<300, _, let body?)? = outcome,
            let id = body["id"]?.stringValue, isUUID(id)
        else { return nil }
        let name = body["name"]?.stringValue ?? "(no name)"
        let what = "the job configuration \(name) (id \(id)) created by the write tier is still there"
        switch side.send("DELETE", probe.path + "/" + id) {
        case .answered(let status, _, _) where (200..<300).contains(status) || status == 404: return nil
        case .answered(let status, _, _): return "\(what): DELETE \(probe.path)/\(id) answered \(status); delete it by hand"
        case .failed(let why): return "\(what): DELETE \(probe.path)/\(id) failed (\(why)); delete it by hand"
        }
    }

    private static func firstID(_ outcome: ConformSide.Outcome?) -> String? {
        guard case .answered(200, _, let body?)? = outcome else { return nil }
        return body["resources"]?.arrayValue?.first?["id"]?.stringValue
    }

    /// The last member a path names: `overall_status` for `$.resources[].overall_status`, and
    /// `detailed_status` for the values of that map, `$.resources[].detailed_status.{}`.
    static func member(_ path: String) -> String {
        path.split(separator: ".").last { $0 != "{}" }.map { String($0.prefix { $0 != "[" }) } ?? ""
    }

    /// One probe's answers compared.
    static func compare(
        _ probe: ConformProbe, mock: Reduced?, live: Reduced?, vocabulary: [String: Set<String>]
    ) -> ProbeResult {
        func result(_ outcome: ProbeResult.Outcome, _ differences: [ConformDifference] = []) -> ProbeResult {
            ProbeResult(name: probe.name, group: probe.group, outcome: outcome, differences: differences)
        }
        guard let mock, let live else { return result(.couldNotCheck("no refresh token to log in with on one side")) }
        guard case .answered(let liveStatus, let liveType, let liveShape, let liveMembers, let liveTag) = live else {
            if case .failed(let why) = live { return result(.couldNotCheck("the lab CM did not answer: \(why)")) }
            return result(.couldNotCheck("the lab CM did not answer"))
        }
        guard case .answered(let mockStatus, let mockType, let mockShape, let mockMembers, let mockTag) = mock else {
            return result(.couldNotCheck("the mock did not answer"))
        }
        func difference(_ code: ConformDifference.Code, _ path: String, _ mock: String, _ live: String) -> ConformDifference {
            ConformDifference(code: code, probe: probe.name, path: path, mock: mock, live: live, readBy: ClientReads.of(path))
        }
        if mockStatus != liveStatus {
            // Refusals that are about the lab CM (a licence, a role, maintenance), not about the probe.
            if [402, 403, 503].contains(liveStatus) { return result(.couldNotCheck("the lab CM refused it with HTTP \(liveStatus)")) }
            return result(.different, [difference(.status, "status", "\(mockStatus)", "\(liveStatus)")])
        }
        var differences: [ConformDifference] = []
        if let mockType, let liveType, mockType != liveType {
            differences.append(difference(.header, "Content-Type", mockType, liveType))
        }
        guard let mockShape, let liveShape else {
            if (mockShape == nil) != (liveShape == nil) {
                differences.append(difference(.type, "$", mockTag ?? "no body", liveTag ?? "no body"))
            }
            return result(differences.isEmpty ? .same : .different, differences)
        }
        if mockStatus >= 400 {
            if Set(mockMembers) != Set(liveMembers) {
                differences.append(difference(.envelope, "$", mockMembers.joined(separator: ","), liveMembers.joined(separator: ",")))
            }
            for key in ["$.code", "$.codeDesc"] {
                if let m = mockShape.constants[key], let l = liveShape.constants[key], m != l { differences.append(difference(.envelope, key, m, l)) }
            }
            return result(differences.isEmpty ? .same : .different, differences)
        }
        for path in mockShape.paths + liveShape.paths.filter({ mockShape.tags[$0] == nil }) where path != "$" && !JSONShape.isStateContainer(path) {
            // Compared where both sides have the container, and for array items where both have items.
            let parent = Self.parent(of: path)
            guard mockShape.tags[parent] != nil, liveShape.tags[parent] != nil else { continue }
            if path.hasSuffix("[]"), mockShape.tags[path] == nil || liveShape.tags[path] == nil { continue }
            switch (mockShape.tags[path], liveShape.tags[path]) {
            case (let m?, let l?):
                let (mockTypes, liveTypes) = (Self.baseTypes(m), Self.baseTypes(l))
                if mockTypes != liveTypes {
                    differences.append(difference(.type, path, m, l))
                } else if m != l {
                    differences.append(difference(.format, path, m, l))
                }
            case (let m?, nil):
                differences.append(m == "null" ? difference(.type, path, "null", "absent") : difference(.onlyInMock, path, m, "absent"))
            case (nil, let l?):
                differences.append(l == "null" ? difference(.type, path, "absent", "null") : difference(.onlyInLive, path, "absent", l))
            case (nil, nil):
                break
            }
        }
        for path in liveShape.enums.keys.sorted() {
            let known = vocabulary[Self.member(path)] ?? []
            for value in liveShape.enums[path]!.sorted() where !known.contains(value) {
                differences.append(difference(.enumValue, path, known.sorted().joined(separator: ","), value))
            }
        }
        if probe.isList {
            for key in ["$.skip", "$.limit"] where mockShape.constants[key] != liveShape.constants[key] {
                differences.append(difference(.paging, key, mockShape.constants[key] ?? "absent", liveShape.constants[key] ?? "absent"))
            }
        }
        return result(differences.isEmpty ? .same : .different, differences)
    }

    static func parent(of path: String) -> String {
        if path.hasSuffix("[]") { return String(path.dropLast(2)) }
        guard let dot = path.lastIndex(of: ".") else { return "$" }
        return String(path[..<dot])
    }

    /// `string(uuid)|null` → {string, null}.
    static func baseTypes(_ tag: String) -> Set<String> {
        Set(tag.split(separator: "|").map { String($0.prefix { $0 != "(" }) })
    }
}

extension String {
    fileprivate func replacingID(with id: String) -> String {
        split(separator: "{id}", omittingEmptySubsequences: false).joined(separator: id)
    }
}
