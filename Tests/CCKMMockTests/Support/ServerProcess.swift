import Foundation

/// The `cckm-mock` executable run as a child process, as a test harness or a container would.
final class ServerProcess: @unchecked Sendable {  // Used from one test at a time; the pipes are read once each.
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()

    init(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: Paths.executable)
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CCKM_MOCK_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    /// The first line on standard output; nil if the process ended without writing one.
    func firstLine() -> String? { Self.line(from: output.fileHandleForReading) }

    /// The next line of a pipe, read a byte at a time (so nothing after it is taken); nil at its end.
    private static func line(from handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while true {
            let chunk = handle.readData(ofLength: 1)
            guard let byte = chunk.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    /// Closes this end of the server's standard error, as a reader that went away (`| head`).
    func closeStandardError() {
        try? errors.fileHandleForReading.close()
    }

    /// The exit status once the process has ended, waiting at most `seconds`; nil if it still runs.
    func exit(within seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// The next line on standard error; nil once it is closed.
    func errorLine() -> String? { Self.line(from: errors.fileHandleForReading) }

    /// Waits for the exit; returns the status and everything written to standard error.
    func finish() -> (status: Int32, errors: String) {
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }
}
