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
            FamiliesCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )

    public init() {}
}
