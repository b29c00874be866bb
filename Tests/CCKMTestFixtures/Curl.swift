import Foundation

/// curl as a TLS client: it verifies certificates and names the way client code does, and it is
/// what the Thales docs use. Installed by scripts/install-deps.
package enum Curl {
    package struct Result {
        package let exitCode: Int32
        package let status: Int
        package let body: String
    }

    /// Runs curl with `arguments`, adding `-w` to read the status after the body.
    package static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "30", "-w", "\n%{http_code}"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return Result(
            exitCode: process.terminationStatus, status: Int(lines.last ?? "") ?? 0, body: lines.dropLast().joined(separator: "\n"))
    }
}
