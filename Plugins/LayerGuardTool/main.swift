import Foundation

// layer-guard OUTPUT --forbid MODULE... -- SOURCE...: fails, naming each file and line, when a
// source imports a forbidden module; otherwise writes OUTPUT (an empty Swift file).
let arguments = Array(CommandLine.arguments.dropFirst())
guard let output = arguments.first, let separator = arguments.firstIndex(of: "--"), arguments.count > 2, arguments[1] == "--forbid" else {
    FileHandle.standardError.write(Data("usage: layer-guard OUTPUT --forbid MODULE... -- SOURCE...\n".utf8))
    exit(2)
}
let forbidden = Set(arguments[2..<separator])
var found = 0
for source in arguments[(separator + 1)...] {
    guard let text = try? String(contentsOfFile: source, encoding: .utf8) else { continue }
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        // `import GRDB`, `@testable import GRDB`, `package import GRDB`, `import struct GRDB.Row`.
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let modifiers: Set<String> = ["public", "package", "internal", "private", "fileprivate"]
        guard let index = words.firstIndex(of: "import"), words[..<index].allSatisfy({ $0.hasPrefix("@") || modifiers.contains($0) }) else {
            continue
        }
        let kinds: Set<String> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
        let named = words[(index + 1)...].first { !kinds.contains($0) }
        guard let module = named?.split(separator: ".").first.map(String.init), forbidden.contains(module) else { continue }
        FileHandle.standardError.write(
            Data(
                "\(source):\(number + 1):1: error: this module may not import \(module): only CCKMStore and CCKMEngine touch the database; the edge reads through StoreReader\n"
                    .utf8))
        found += 1
    }
}
if found > 0 { exit(1) }
try "// Checked by the LayerGuard plugin: no forbidden import.\n".write(toFile: output, atomically: true, encoding: .utf8)
