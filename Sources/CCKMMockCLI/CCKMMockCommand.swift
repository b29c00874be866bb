import ArgumentParser

/// `cckm-mock`: the root command. With no verb it serves.
public struct CCKMMockCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cckm-mock",
        abstract: "A local stand-in for the CCKM job API of a Thales CipherTrust Manager.",
        discussion: """
            Serves every CCKM synchronization and refresh job path from a SQLite store, so that client \
            code and its tests can run without a real CipherTrust Manager. Every flag of `serve` can also \
            be set through the environment variable named in its help.
            """,
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, DemoCommand.self, HealthCommand.self, FixturesCommand.self, RecordCommand.self, GenerateCommand.self,
            ConformCommand.self, FamiliesCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )

    public init() {}
}

extension CCKMMockCommand {
    /// For a first argument that is no command (`cckm-mock serv`): the usage error to print instead
    /// of serve's "unexpected argument", naming the command meant when one is close. Nil when the
    /// first argument is a flag or a command (serve, the default, takes no positional argument).
    public static func unknownCommandMessage(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !names.contains(first) else { return nil }
        let best = names.map { (name: $0, distance: editDistance(first.lowercased(), $0)) }.min { $0.distance < $1.distance }
        if let best, best.distance <= max(1, (best.name.count + 1) / 3) || best.name.hasPrefix(first.lowercased()) {
            return "Error: unknown command '\(first)'. Did you mean '\(best.name)'? (`cckm-mock --help` lists the commands)"
        }
        return "Error: unknown command '\(first)'. The commands: \(names.dropLast().joined(separator: ", ")); with none, cckm-mock serves."
    }

    /// Levenshtein distance: insertions, deletions and substitutions.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
