#if canImport(Glibc)
    import Glibc
#endif

/// Who listens on a TCP port, read from /proc as `ss -ltnp` does: the socket's inode from
/// /proc/net/tcp and tcp6, then the process whose descriptors include it. For the message of a
/// port already taken; nil where /proc does not say (another user's process, another system).
enum PortHolder {
    static func describe(port: Int) -> String? {
        let inodes = Set(["/proc/net/tcp", "/proc/net/tcp6"].flatMap { listeningInodes(in: $0, port: port) })
        guard !inodes.isEmpty, let processes = opendir("/proc") else { return nil }
        defer { closedir(processes) }
        while let entry = readdir(processes) {
            let pid = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard !pid.isEmpty, pid.allSatisfy(\.isNumber), holds(pid: pid, inodes) else { continue }
            let command = text("/proc/\(pid)/cmdline").split(separator: "\0").joined(separator: " ")
            return "pid \(pid), \(command.isEmpty ? text("/proc/\(pid)/comm") : String(command.prefix(120)))"
        }
        return nil
    }

    /// Inodes of the sockets listening (state 0A) on `port` in one of /proc/net's tables.
    private static func listeningInodes(in table: String, port: Int) -> [String] {
        let wanted = ":" + String(port, radix: 16, uppercase: true).leftPadded(to: 4)
        return text(table).split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1].hasSuffix(wanted), fields[3] == "0A" else { return nil }
            return String(fields[9])
        }
    }

    private static func holds(pid: String, _ inodes: Set<String>) -> Bool {
        guard let descriptors = opendir("/proc/\(pid)/fd") else { return false }
        defer { closedir(descriptors) }
        var target = [CChar](repeating: 0, count: 64)
        while let entry = readdir(descriptors) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let length = readlink("/proc/\(pid)/fd/\(name)", &target, target.count - 1)
            guard length > 0 else { continue }
            let link = String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("socket:["), inodes.contains(String(link.dropFirst(8).dropLast())) { return true }
        }
        return false
    }

    /// A small file's text ("" when it cannot be read).
    private static func text(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 22 {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer.prefix(count)
        }
        return String(decoding: bytes, as: UTF8.self).trimmingSuffixNewline()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
    fileprivate func trimmingSuffixNewline() -> String { hasSuffix("\n") ? String(dropLast()) : self }
}
