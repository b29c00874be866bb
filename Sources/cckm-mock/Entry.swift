import ArgumentParser
import CCKMMockCLI

#if canImport(Glibc)
    import Glibc
#endif

/// Everything lives in CCKMMockCLI so that tests can parse and run commands without a process.
@main
enum Entry {
    static func main() async {
        // A reader of standard output or error that goes away (`serve 2>&1 | head`, a restarting
        // log forwarder) must cost lines, not the process: writes then fail with EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
        if let message = CCKMMockCommand.unknownCommandMessage(Array(CommandLine.arguments.dropFirst())) {
            FileHandleLine.standardError(message)
            exit(2)
        }
        do {
            var command = try CCKMMockCommand.parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            // Usage errors exit 2, as most command-line tools' do (argument-parser's own is 64):
            // a wrong flag or an unknown --fixtures name.
            if CCKMMockCommand.exitCode(for: error) == .validationFailure {
                FileHandleLine.standardError(CCKMMockCommand.fullMessage(for: error))
                exit(2)
            }
            CCKMMockCommand.exit(withError: error)
        }
    }
}

/// One line on standard error, unbuffered.
private enum FileHandleLine {
    static func standardError(_ text: String) {
        let line = Array((text + "\n").utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
