import CCKMMockCLI

/// Everything lives in CCKMMockCLI so that tests can parse and run commands without a process.
@main
enum Entry {
    static func main() async {
        await CCKMMockCommand.main()
    }
}
