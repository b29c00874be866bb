#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The listening socket, made here rather than by libmicrohttpd so that a taken port or a bad
/// address comes back as a clear error with the system's reason, and port 0 can be read back.
struct ListeningSocket {
    let descriptor: Int32
    let port: Int

    static func bind(host: String, port: Int, backlog: Int32 = 1024) throws -> ListeningSocket {
        guard (0...65535).contains(port) else {
            throw HTTPServerError.cannotListen(host: host, port: port, reason: "port must be between 0 and 65535")
        }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            throw HTTPServerError.cannotResolve(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(found) }

        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw listenError(host, port) }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0 else {
            let error = listenError(host, port)
            close(fd)
            throw error
        }
        // libmicrohttpd's epoll loops accept from several threads: the socket must not block.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return ListeningSocket(descriptor: fd, port: boundPort(fd) ?? port)
    }

    private static func listenError(_ host: String, _ port: Int) -> HTTPServerError {
        let code = errno
        var reason = String(cString: strerror(code))
        if code == EADDRINUSE {
            if let holder = PortHolder.describe(port: port) { reason += " (by \(holder))" }
            reason += "; stop that server, or give --port another number, or --port 0 for any free one (the URL is printed)"
        }
        return .cannotListen(host: host, port: port, reason: reason)
    }

    private static func boundPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return nil
        }
    }
}
