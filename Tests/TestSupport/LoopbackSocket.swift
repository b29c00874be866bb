#if canImport(Glibc)
    import Glibc
#endif

/// A TCP socket connected to 127.0.0.1:`port`, for tests that speak raw bytes. Its reads and
/// writes give up after `timeout` seconds (a server that never answers fails the read, not the
/// run). `fd` is -1 if no socket could be made; `connected` says whether `connect` succeeded.
public func connectLoopback(_ port: Int, timeout seconds: Int = 30) -> (fd: Int32, connected: Bool) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return (fd, false) }
    var limit = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let status = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return (fd, status == 0)
}
