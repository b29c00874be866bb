import PackagePlugin

/// Part of every build of the targets that use it: the module whose sources import one of the
/// modules named after `--forbid` fails to build, naming the file and line. SwiftPM's import check
/// covers the package's own modules only; this covers another package's (GRDB, for the edge).
@main struct LayerGuard: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let sources = target.sourceFiles(withSuffix: "swift").map(\.url)
        // A Swift file the target compiles, so that SwiftPM runs the check whenever a source changes.
        let checked = context.pluginWorkDirectoryURL.appending(path: "LayerGuardChecked.swift")
        return [
            .buildCommand(
                displayName: "Checking what \(target.name) imports",
                executable: try context.tool(named: "layer-guard").url,
                arguments: [checked.path(percentEncoded: false), "--forbid", "GRDB", "--"] + sources.map { $0.path(percentEncoded: false) },
                inputFiles: sources,
                outputFiles: [checked])
        ]
    }
}
