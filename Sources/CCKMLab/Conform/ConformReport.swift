import CCKMCore

/// A run's result as people and CI read it: text by family, JSON, or JUnit XML; with the
/// differences a baseline accepts marked known, and the baseline's entries that no longer occur.
package struct ConformReport: Sendable {
    package let result: Conformance.Result
    /// Keys (`ConformDifference.key`) of accepted differences.
    package let baseline: Set<String>
    package let insecure: Bool

    package init(result: Conformance.Result, baseline: Set<String> = [], insecure: Bool = false) {
        self.result = result
        self.baseline = baseline
        self.insecure = insecure
    }

    package var newDifferences: [ConformDifference] { result.differences.filter { !baseline.contains($0.key) } }
    package var knownDifferences: [ConformDifference] { result.differences.filter { baseline.contains($0.key) } }
    /// Accepted differences this run did not see.
    package var resolved: [String] { baseline.subtracting(result.differences.map(\.key)).sorted() }

    /// Whether a difference at or above `severity` is new.
    package func fails(at severity: ConformDifference.Severity?) -> Bool {
        guard let severity else { return false }
        return newDifferences.contains { $0.code.severity >= severity }
    }

    /// Most probes could not be checked: the run says little about the lab CM, and says so.
    package var mostlyUnchecked: Bool {
        result.probes.filter(\.outcome.isUnchecked).count * 2 > result.probes.count
    }

    /// The sentence every format carries when `mostlyUnchecked`.
    package var uncheckedWarning: String {
        let unchecked = result.probes.filter(\.outcome.isUnchecked)
        let reasons = Set(
            unchecked.compactMap { probe -> String? in
                if case .couldNotCheck(let why) = probe.outcome { return why }
                return nil
            })
        return "warning: \(unchecked.count) of \(result.probes.count) probes could not be checked "
            + "(\(reasons.count == 1 ? reasons.first! : "\(reasons.count) reasons; see each probe")): this run says little about the lab CM"
    }

    /// The probes' groups (families, then auth, scheduler, system) in the order the run sent them.
    private var groups: [String] {
        var groups: [String] = []
        for probe in result.probes where !groups.contains(probe.group) { groups.append(probe.group) }
        return groups
    }

    private func counts(_ probes: [Conformance.ProbeResult]) -> (same: Int, different: Int, unchecked: Int) {
        var counts = (same: 0, different: 0, unchecked: 0)
        for probe in probes {
            switch probe.outcome {
            case .same: counts.same += 1
            case .different: counts.different += 1
            case .couldNotCheck: counts.unchecked += 1
            }
        }
        return counts
    }

    package var text: String {
        var lines: [String] = []
        if insecure { lines.append("warning: --insecure: the lab CM's certificate was not verified") }
        if mostlyUnchecked { lines.append(Self.printable(uncheckedWarning)) }
        for left in result.leftOnLab { lines.append("left on the lab CM: " + Self.printable(left)) }
        lines.append("lab CM version: \(result.cmVersion.map(Self.printable) ?? "unknown (GET /api/v1/system/info gave none)")")
        for group in groups {
            let probes = result.probes.filter { $0.group == group }
            let count = counts(probes)
            lines.append("")
            lines.append(
                "\(group): \(probes.count) probes, \(count.same) same, \(count.different) different, \(count.unchecked) could not be checked")
            for probe in probes {
                if case .couldNotCheck(let why) = probe.outcome { lines.append("  could not check  \(probe.name): \(Self.printable(why))") }
                for difference in probe.differences {
                    let known = baseline.contains(difference.key) ? "known " : ""
                    var line = "  \(known)\(difference.code.severity.rawValue)  \(difference.code.rawValue)  \(probe.name)  "
                    line += Self.printable(difference.path) + "  mock: \(Self.printable(difference.mock))  live: \(Self.printable(difference.live))"
                    if !difference.readBy.isEmpty { line += "  (read by \(difference.readBy.joined(separator: ", ")))" }
                    lines.append(line)
                }
            }
        }
        let count = counts(result.probes)
        lines.append("")
        lines.append(
            "\(result.probes.count) probes: \(count.same) same, \(count.different) different, \(count.unchecked) could not be checked; "
                + "\(newDifferences.count) new differences, \(knownDifferences.count) known")
        for key in resolved { lines.append("no longer occurs (remove it from the baseline): \(Self.printable(key))") }
        return lines.joined(separator: "\n") + "\n"
    }

    package var json: String {
        let probes: [String] = result.probes.map { probe in
            var members: [(String, JSONPart)] = [("name", .string(probe.name)), ("group", .string(probe.group))]
            switch probe.outcome {
            case .same: members.append(("outcome", .string("same")))
            case .different: members.append(("outcome", .string("different")))
            case .couldNotCheck(let why): members += [("outcome", .string("could_not_check")), ("reason", .string(why))]
            }
            return JSONWriter.object(members)
        }
        let differences: [String] = result.differences.map { difference in
            JSONWriter.object([
                ("code", .string(difference.code.rawValue)), ("severity", .string(difference.code.severity.rawValue)),
                ("probe", .string(difference.probe)), ("path", .string(difference.path)), ("mock", .string(difference.mock)),
                ("live", .string(difference.live)), ("read_by", .array(difference.readBy.map { JSONValue.string($0).jsonText })),
                ("known", .rendered(baseline.contains(difference.key) ? "true" : "false")),
            ])
        }
        return JSONWriter.object([
            ("cm_version", result.cmVersion.map { .string($0) } ?? .null), ("insecure", .rendered(insecure ? "true" : "false")),
            ("checked_past_logins", .rendered(String(result.checkedPastLogins))),
            ("mostly_unchecked", .rendered(mostlyUnchecked ? "true" : "false")),
            ("left_on_lab", .array(result.leftOnLab.map { JSONValue.string($0).jsonText })),
            ("probes", .array(probes)), ("differences", .array(differences)),
            ("no_longer_occurring", .array(resolved.map { JSONValue.string($0).jsonText })),
        ]) + "\n"
    }

    package var junit: String {
        let count = counts(result.probes)
        let failing = result.probes.filter { probe in probe.differences.contains { !baseline.contains($0.key) } }.count
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="cckm-mock conform" tests="\#(result.probes.count)" failures="\#(failing)" skipped="\#(count.unchecked)">"# + "\n"
        if mostlyUnchecked || !result.leftOnLab.isEmpty {
            xml += "  <properties>\n"
            if mostlyUnchecked { xml += "    <property name=\"mostly_unchecked\" value=\"\(Self.escaped(uncheckedWarning))\"/>\n" }
            for left in result.leftOnLab { xml += "    <property name=\"left_on_lab\" value=\"\(Self.escaped(left))\"/>\n" }
            xml += "  </properties>\n"
        }
        for group in groups {
            let probes = result.probes.filter { $0.group == group }
            xml += #"  <testsuite name="\#(Self.escaped(group))" tests="\#(probes.count)">"# + "\n"
            for probe in probes {
                xml += #"    <testcase classname="conform.\#(Self.escaped(group))" name="\#(Self.escaped(probe.name))""#
                let fresh = probe.differences.filter { !baseline.contains($0.key) }
                if case .couldNotCheck(let why) = probe.outcome {
                    xml += ">\n      <skipped message=\"\(Self.escaped(Self.printable(why)))\"/>\n    </testcase>\n"
                } else if fresh.isEmpty {
                    xml += "/>\n"
                } else {
                    let detail = fresh.map {
                        "\($0.code.rawValue) \(Self.printable($0.path)): mock \(Self.printable($0.mock)), live \(Self.printable($0.live))"
                    }
                    .joined(separator: "\n")
                    xml += ">\n      <failure message=\"\(fresh.count) differences\" type=\"\(fresh[0].code.rawValue)\">"
                    xml += Self.escaped(detail) + "</failure>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    /// The baseline file `--update-baseline` writes: every difference of this run, accepted.
    package var baselineFile: String {
        let entries: [String] = result.differences.map { difference in
            JSONWriter.object([
                ("code", .string(difference.code.rawValue)), ("probe", .string(difference.probe)), ("path", .string(difference.path)),
            ])
        }
        return JSONWriter.object([("differences", .array(entries))]) + "\n"
    }

    /// The keys of a baseline file's accepted differences.
    package static func baselineKeys(_ bytes: [UInt8]) throws(InputError) -> Set<String> {
        let members = try InputError.objectMembers(of: bytes)
        guard let items = members.first(where: { $0.key == "differences" })?.value.arrayValue else {
            throw .badRequest("a baseline is {\"differences\": [{\"code\", \"probe\", \"path\"}, ...]}")
        }
        var keys: Set<String> = []
        for item in items {
            guard let code = item["code"]?.stringValue, let probe = item["probe"]?.stringValue, let path = item["path"]?.stringValue else {
                throw .badRequest("each baseline entry needs \"code\", \"probe\" and \"path\" strings")
            }
            keys.insert("\(code) \(probe) \(path)")
        }
        return keys
    }

    /// Text for XML: markup escaped, and every character XML 1.0 does not allow (control
    /// characters from a lab CM's bytes) written as `\u{1B}`, so that the file stays XML.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r", "\u{20}"..."\u{D7FF}", "\u{E000}"..."\u{FFFD}", "\u{10000}"..."\u{10FFFF}":
                out.unicodeScalars.append(scalar)
            default: out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return out
    }

    /// Text for a terminal: what came from the lab CM (member names, enum values, its version, an
    /// error's words) with every control character written as `\u{1B}`, so that a newline cannot
    /// forge a report line and an escape sequence cannot drive the terminal.
    package static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                || scalar.properties.generalCategory == .lineSeparator || scalar.properties.generalCategory == .paragraphSeparator
            {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
