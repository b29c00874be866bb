import CCKMCore

/// The jobs tier (`--allow-jobs`): a real job on a named target on each side, whose every step
/// is compared: the start, a second start while it runs, the job while it runs and once it has
/// ended, and a cancel of the ended job. These are the behaviours `docs/api.md` marks *chosen*.
package struct ConformJobTarget: Sendable, Equatable {
    package var family: JobFamily
    /// The start body's member that names targets (`kms` for AWS unless given).
    package var field: String
    package var id: String

    /// `aws=ID` or `aws.kms=ID`; nil, with why, when the text names no family or field.
    package static func parse(_ text: String) -> Result<ConformJobTarget, InputError> {
        guard let equals = text.firstIndex(of: "=") else { return .failure(.invalidParameter("target", "expected FAMILY=ID or FAMILY.FIELD=ID")) }
        let name = text[..<equals]
        let id = String(text[text.index(after: equals)...])
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard let familyName = parts.first, let family = JobFamily.named(familyName) else {
            return .failure(.invalidParameter("target", "\"\(name)\" names no family (known: \(JobFamily.all.map(\.name).joined(separator: ", ")))"))
        }
        let field = parts.count > 1 ? parts[1] : family.bodyTargetField
        guard field == family.bodyTargetField || family.targetFields.contains(field), !id.isEmpty else {
            return .failure(.invalidParameter("target", "\(family.name) names its targets in \"\(family.bodyTargetField)\", with an id after ="))
        }
        return .success(ConformJobTarget(family: family, field: field, id: id))
    }
}

extension Conformance {
    /// One answer of each side for each step of a job on `target`, as probes to compare.
    func jobSteps(_ target: ConformJobTarget) -> [(ConformProbe, ConformSide.Outcome?, ConformSide.Outcome?)] {
        let base = "/api/v1/cckm/" + target.family.basePath
        let body = JSONValue.object([(target.field, .array([.string(target.id)]))]).jsonText
        func probe(_ step: String, _ method: String, _ path: String) -> ConformProbe {
            ConformProbe(name: "\(method) \(path) (\(step))", group: target.family.name, method: method, path: path, tier: .write)
        }
        var steps: [(ConformProbe, ConformSide.Outcome?, ConformSide.Outcome?)] = []
        let start = probe("start on \(target.id)", "POST", base)
        let started = (mock.send("POST", base, body: body), live.send("POST", base, body: body))
        steps.append((start, started.0, started.1))
        steps.append(
            (probe("a second start while the first runs", "POST", base), mock.send("POST", base, body: body), live.send("POST", base, body: body)))
        guard let mockID = Self.id(started.0), let liveID = Self.id(started.1) else { return steps }
        // Each side's job looked at at once (running, on both sides alike), then polled until it ends.
        let running = (mock.send("GET", base + "/" + mockID), live.send("GET", base + "/" + liveID))
        func ended(_ side: ConformSide, _ id: String, _ first: ConformSide.Outcome) -> ConformSide.Outcome? {
            var answer = first
            let deadline = ContinuousClock.now + jobTimeout
            while true {
                guard case .answered(200, _, let job?) = answer else { return nil }
                if job["overall_status"]?.stringValue != JobStatus.inProgress.rawValue { return answer }
                guard ContinuousClock.now < deadline else { return nil }
                side.pause(pollInterval)
                answer = side.send("GET", base + "/" + id)
            }
        }
        let mockJob = (running: Optional(running.0), ended: ended(mock, mockID, running.0))
        let liveJob = (running: Optional(running.1), ended: ended(live, liveID, running.1))
        steps.append((probe("running", "GET", base + "/{id}"), mockJob.running, liveJob.running))
        steps.append((probe("ended", "GET", base + "/{id}"), mockJob.ended, liveJob.ended))
        if mockJob.ended != nil, liveJob.ended != nil {
            steps.append(
                (
                    probe("ended job", "POST", base + "/{id}/cancel"), mock.send("POST", base + "/" + mockID + "/cancel"),
                    live.send("POST", base + "/" + liveID + "/cancel")
                ))
        }
        return steps
    }

    private static func id(_ outcome: ConformSide.Outcome?) -> String? {
        guard case .answered(200..<300, _, let body?)? = outcome else { return nil }
        return body["id"]?.stringValue
    }
}
