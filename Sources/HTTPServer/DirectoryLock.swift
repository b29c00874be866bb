import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock` on a file, held until `release` or deinit, and let go by the kernel when
/// the process dies however it dies: a second server on one data folder is refused at start
/// instead of writing beside the first (each then kept its own idea of the store).
public final class DirectoryLock: Sendable {
    /// Why the lock was not taken.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let descriptor: Mutex<Int32>

    /// Locks `path` (created, mode 600), and writes this process's id in it for the next one's message.
    public init(path: String) throws(Failure) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let holder = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).filter(\.isNumber)
            throw Failure(description: "in use by another cckm-mock\(holder.isEmpty ? "" : " (process \(holder))")")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = Mutex(fd)
    }

    public func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            // Unlocked before the close: a child process forked meanwhile (a test spawning curl,
            // between its fork and its exec) shares the open file description, and a close alone
            // left the lock held until that child's exec, refusing a restart on the same folder.
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
