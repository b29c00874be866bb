import Foundation
import TestSupport
import Testing

/// The `cckm-mock` executable run as a child process, as a test harness or a container would.
/// Every read of its output and every wait for its end has a deadline and fails naming what it
/// waited for; the process is killed when its test ends if it still runs (`TestCleanups`).
package final class ServerProcess: @unchecked Sendable {  // Used from one test at a time; the pipes are read once each.
    package let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private let command: String
    /// What was read from each pipe and not yet handed out: reads take what is there (a byte at
    /// a time made a 12,000-line output take minutes on a busy machine).
    private var unread: [Int32: ArraySlice<UInt8>] = [:]

    /// How long a line or an exit may take on a busy machine before the test fails.
    package static let patience: Duration = .seconds(90)

    /// `executable` is the built `cckm-mock` unless told (a peer of another stack: `/usr/bin/env`).
    package init(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil, executable: String = Paths.executable)
        throws
    {
        process.executableURL = URL(fileURLWithPath: executable)
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.arguments = arguments
        command = ([URL(fileURLWithPath: executable).lastPathComponent] + arguments.prefix(3)).joined(separator: " ")
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CCKM_MOCK_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        try TestCleanups.add("a ServerProcess") { [process] in
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The first line on standard output; nil if the process ended without writing one, or (a
    /// recorded failure) if none came within `patience`.
    package func firstLine() -> String? { line(from: output, named: "standard output") }

    /// The next line on standard error; nil once it is closed (or, failing, after `patience`).
    package func errorLine() -> String? { line(from: errors, named: "standard error") }

    /// The next line of a pipe; nil at its end.
    private func line(from pipe: Pipe, named name: String) -> String? {
        let fd = pipe.fileHandleForReading.fileDescriptor
        var bytes: [UInt8] = []
        let deadline = ContinuousClock.now + Self.patience
        while true {
            let pending = unread[fd] ?? []
            if let newline = pending.firstIndex(of: 0x0A) {
                bytes += pending[..<newline]
                unread[fd] = pending[(newline + 1)...]
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes += pending
            unread[fd] = nil
            switch fill(fd, until: deadline) {
            case .more: continue
            case .end: return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
            case .late:
                Issue.record(
                    "\(command): no line on \(name) within \(Self.patience)\(Task.isCancelled ? " (the test was cancelled)" : "")")
                return nil
            }
        }
    }

    private enum Read { case more, end, late }

    /// Reads what the pipe has into `unread`, waiting in slices of 100 ms so that a cancelled
    /// test stops waiting too.
    private func fill(_ fd: Int32, until deadline: ContinuousClock.Instant) -> Read {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline, !Task.isCancelled {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, 100)
            if polled < 0 && errno == EINTR { continue }
            guard polled > 0 else { continue }
            let count = read(fd, &buffer, buffer.count)
            if count > 0 {
                unread[fd, default: []] += buffer[..<count]
                return .more
            }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            return .end
        }
        return .late
    }

    /// Closes this end of the server's standard error, as a reader that went away (`| head`).
    package func closeStandardError() {
        try? errors.fileHandleForReading.close()
    }

    /// The exit status once the process has ended, waiting at most `seconds`; nil if it still runs.
    package func exit(within seconds: Double) -> Int32? {
        try? blockUntil("\(command) to exit", within: .milliseconds(Int(seconds * 1000))) { !process.isRunning }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Waits for the end of standard error and the exit (each within `patience`; past it the
    /// process is killed and the test fails); returns the status and everything written to standard error.
    package func finish() -> (status: Int32, errors: String) {
        let fd = errors.fileHandleForReading.fileDescriptor
        let deadline = ContinuousClock.now + Self.patience
        reading: while true {
            switch fill(fd, until: deadline) {
            case .more: continue
            case .end: break reading
            case .late:
                Issue.record("\(command): standard error was not closed within \(Self.patience); killed")
                kill(process.processIdentifier, SIGKILL)
                break reading
            }
        }
        if exit(within: 30) == nil {
            Issue.record("\(command) did not exit within 30 s of closing standard error; killed")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return (process.terminationStatus, String(decoding: unread.removeValue(forKey: fd) ?? [], as: UTF8.self))
    }

    package func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }
}
