import ArgumentParser
import CCKMCore
import CCKMEngine
import CCKMMock
import CCKMStore

#if canImport(Glibc)
    import Glibc
#endif

/// `cckm-mock families --json`: the family table, for the generators. Hidden from `--help`.
public struct FamiliesCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "families", abstract: "Print the table of the 14 job families as JSON.", shouldDisplay: false)

    @Flag(help: "JSON (the only format).")
    public var json = false

    public init() {}

    public func run() throws {
        writeLine(JobFamily.tableJSON, to: STDOUT_FILENO)
    }
}
