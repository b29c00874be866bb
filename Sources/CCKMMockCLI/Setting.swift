import ArgumentParser

/// One setting of `serve`, written once: its flag, its environment variable, its default, its help,
/// and the rule that turns text into a value. A flag wins over the variable and the variable over
/// the default; a flag's text and a variable's are read by the same rule, so both are refused alike
/// and the refusal names the one that was given (`--port must be …` or `CCKM_MOCK_PORT must be …`).
struct Setting<Value: Sendable>: Sendable {
    enum Kind: Sendable {
        /// `--name value`, the variable holding one value.
        case single
        /// `--name a --name b`, the variable holding `a,b`.
        case repeatable
        /// `--name` alone, the variable `1` (or `true`, `yes`; `0`, `false`, `no` for off).
        case flag
    }

    /// Where neither a flag nor the variable says.
    enum Fallback: Sendable {
        /// Text the rule reads, shown in the help as it is.
        case value(String)
        /// Worked out by `resolve` (the number of cores, a level-dependent format); shown as written.
        case described(String)
        case none
    }

    /// The long flag without its dashes, as `--help` shows it.
    let flag: String
    let variable: String
    let summary: String
    let valueName: String
    let kind: Kind
    let fallback: Fallback
    let rule: SettingRule<Value>

    init(
        _ flag: String, _ variable: String, _ summary: String, valueName: String? = nil, kind: Kind = .single, fallback: Fallback = .none,
        _ rule: SettingRule<Value>
    ) {
        self.flag = flag
        self.variable = variable
        self.summary = summary
        self.valueName = valueName ?? flag
        self.kind = kind
        self.fallback = fallback
        self.rule = rule
    }

    var help: ArgumentHelp { ArgumentHelp("\(summary) (\(environmentNote))", valueName: valueName) }

    /// `env: CCKM_MOCK_PORT; default: 8443`, as the help and the docs' table show it.
    var environmentNote: String {
        var note = "env: \(variable)"
        switch kind {
        case .single: break
        case .repeatable: note += ", comma-separated"
        case .flag: note += "=1"
        }
        switch fallback {
        case .value(let text), .described(let text): note += "; default: \(text)"
        case .none: break
        }
        return note
    }

    /// The flag's text, else the variable's, read by the rule; nil when neither is set.
    func given(_ flagText: String?, in environment: Environment) throws(ValidationError) -> Value? {
        if let flagText { return try read(flagText, from: "--\(flag)") }
        guard let text = environment[variable] else { return nil }
        return try read(text, from: variable)
    }

    /// As `given`, else the default the row names.
    func value(_ flagText: String?, in environment: Environment) throws(ValidationError) -> Value {
        if let given = try given(flagText, in: environment) { return given }
        guard case .value(let text) = fallback, let value = rule.parse(text) else {
            preconditionFailure("\(flag)'s default is not a value its rule reads; the settings test names it")
        }
        return value
    }

    /// Each of the flag's values, else each comma-separated one of the variable's.
    func values(_ flagTexts: [String], in environment: Environment) throws(ValidationError) -> [Value] {
        if !flagTexts.isEmpty { return try flagTexts.map { text throws(ValidationError) in try read(text, from: "--\(flag)") } }
        let texts = (environment[variable] ?? "").split(separator: ",").map(String.init)
        return try texts.map { text throws(ValidationError) in try read(text, from: variable) }
    }

    private func read(_ text: String, from source: String) throws(ValidationError) -> Value {
        guard let value = rule.parse(text) else { throw ValidationError("\(source) must be \(rule.requirement), got \(text)") }
        return value
    }
}

extension Setting<Bool> {
    /// A flag given, or its variable saying yes.
    func isOn(_ flagGiven: Bool, in environment: Environment) throws(ValidationError) -> Bool {
        if flagGiven { return true }
        return try given(nil, in: environment) ?? false
    }
}

/// How a setting's text becomes its value, and what to say when it does not.
struct SettingRule<Value: Sendable>: Sendable {
    /// Completes "--flag must be …": `between 0 and 65535`, `on or off`.
    let requirement: String
    let parse: @Sendable (String) -> Value?
}

extension SettingRule<String> {
    static let text = SettingRule(requirement: "a value, not empty") { $0.isEmpty ? nil : $0 }
}

extension SettingRule<Int> {
    static func wholeNumber(_ range: ClosedRange<Int>, _ unit: String = "") -> SettingRule {
        SettingRule(requirement: "between \(range.lowerBound) and \(range.upperBound)\(unit.isEmpty ? "" : " \(unit)")") { text in
            Int(text).flatMap { range.contains($0) ? $0 : nil }
        }
    }
}

extension SettingRule<Double> {
    static func number(_ range: ClosedRange<Double>, _ requirement: String) -> SettingRule {
        SettingRule(requirement: requirement) { text in Double(text).flatMap { range.contains($0) ? $0 : nil } }
    }
}

extension SettingRule<Bool> {
    static let yesOrNo = SettingRule(requirement: "1, true, yes, 0, false or no") { text in
        switch text.lowercased() {
        case "1", "true", "yes": true
        case "0", "false", "no", "": false
        default: nil
        }
    }
}

extension SettingRule where Value: RawRepresentable<String> & CaseIterable {
    /// One of the cases, in any letter case: `on or off`, `one of off, text or json`.
    static var choice: SettingRule {
        let names = Value.allCases.map(\.rawValue)
        let listed = names.dropLast().joined(separator: ", ") + " or " + names.last!
        return SettingRule(requirement: names.count > 2 ? "one of \(listed)" : listed) { Value(rawValue: $0.lowercased()) }
    }
}

// `@Option(ServeSetting.port) var port: String?`: a flag declared from its row, nothing restated.
extension Option where Value == String? {
    init<Setting: SettingRow>(_ setting: Setting) {
        self.init(name: .customLong(setting.flag), help: setting.help)
    }
}

extension Option where Value == [String] {
    init<Setting: SettingRow>(wrappedValue: [String], _ setting: Setting) {
        self.init(wrappedValue: wrappedValue, name: .customLong(setting.flag), help: setting.help)
    }
}

extension Flag where Value == Bool {
    init<Setting: SettingRow>(wrappedValue: Bool, _ setting: Setting) {
        self.init(wrappedValue: wrappedValue, name: .customLong(setting.flag), help: setting.help)
    }
}
