import CMicroHTTPD
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTPS port's door: it accepts each connection itself and looks at its first byte before
/// libmicrohttpd's TLS layer takes it. A TLS handshake (a record of type 22) goes on to the daemon
/// (`MHD_add_connection`); anything else is plain HTTP sent to the wrong scheme and gets a plain
/// `HTTP/1.1 400` from the responder naming the `https://` URL, as nginx's 497 does, instead of the
/// empty reply GnuTLS leaves.
///
/// One thread polls the listening socket and the connections that have sent nothing yet; it never
/// blocks on a client. At most `connectionLimit` connections wait for their first byte (the rest
/// stay in the kernel's backlog), each for at most `firstByteSeconds`; an answered one is drained
/// for up to a second before it is closed, so its reset does not destroy the answer unread.
///
/// `@unchecked Sendable`: the thread owns every mutable field but `stopping`, which is atomic.
final class TLSDoor: @unchecked Sendable {
    struct Configuration {
        let listener: Int32
        let port: Int
        let connectionLimit: Int
        /// At most this many connections of one address wait at the door (libmicrohttpd's
        /// own limit applies to those it takes).
        let perAddressLimit: Int
        let firstByteSeconds: Int
    }

    private let configuration: Configuration
    private let daemon: OpaquePointer
    private let responder: any HTTPResponder
    private let messages: (@Sendable (String) -> Void)?
    private let wake: (read: Int32, write: Int32)
    private let stopping = Atomic<Bool>(false)
    private var thread: pthread_t?

    private struct Waiting {
        let descriptor: Int32
        let address: sockaddr_storage
        let length: socklen_t
        /// The client's address without its port.
        let client: [UInt8]
        var deadline: ContinuousClock.Instant
        /// Answered: read and thrown away until the client closes or the deadline.
        var draining = false
    }

    private var waiting: [Waiting] = []
    /// Out of descriptors (or memory) at an accept: the listener is left alone until then, so that
    /// the pending connection that stays readable does not spin the thread.
    private var listenerRestsUntil: ContinuousClock.Instant?

    init(
        _ configuration: Configuration, daemon: OpaquePointer, responder: any HTTPResponder,
        messages: (@Sendable (String) -> Void)?
    ) throws {
        self.configuration = configuration
        self.daemon = daemon
        self.responder = responder
        self.messages = messages
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw HTTPServerError.daemonFailed(reason: "cannot make the HTTPS door's wake-up pipe: \(String(cString: strerror(errno)))")
        }
        wake = (ends[0], ends[1])
        for end in ends { Self.setNonBlockingAndCloseOnExec(end) }
        let context = Unmanaged.passRetained(self).toOpaque()
        var created = pthread_t()
        let status = pthread_create(
            &created, nil,
            { context in
                let door = Unmanaged<TLSDoor>.fromOpaque(context!).takeRetainedValue()
                door.run()
                return nil
            }, context)
        guard status == 0 else {
            Unmanaged<TLSDoor>.fromOpaque(context).release()
            close(wake.read)
            close(wake.write)
            throw HTTPServerError.daemonFailed(reason: "cannot start the HTTPS door's thread: \(String(cString: strerror(status)))")
        }
        thread = created
    }

    /// Stops accepting and closes the connections still at the door; returns once the thread has
    /// ended. The listening socket stays open: its owner closes it.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing), let thread else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        pthread_join(thread, nil)
        close(wake.read)
        close(wake.write)
    }

    private func run() {
        while !stopping.load(ordering: .acquiring) {
            if let rest = listenerRestsUntil, rest < .now { listenerRestsUntil = nil }
            let listening = waiting.count < configuration.connectionLimit && listenerRestsUntil == nil
            var polled = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            if listening { polled.append(pollfd(fd: configuration.listener, events: Int16(POLLIN), revents: 0)) }
            let first = polled.count
            polled += waiting.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polled, nfds_t(polled.count), timeoutMilliseconds())
            if ready < 0 && errno != EINTR { break }
            if polled[0].revents != 0 { break }
            var index = waiting.count - 1
            while index >= 0 {
                if polled[first + index].revents != 0 { look(at: index) }
                index -= 1
            }
            closePastDeadlines()
            if listening && polled[1].revents != 0 { acceptAll() }
        }
        for entry in waiting { close(entry.descriptor) }
        waiting = []
    }

    private func acceptAll() {
        while waiting.count < configuration.connectionLimit {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let descriptor = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(configuration.listener, $0, &length)
                }
            }
            guard descriptor >= 0 else {
                if [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(errno) {
                    listenerRestsUntil = .now + .milliseconds(100)
                }
                return
            }
            let client = Self.clientAddress(address)
            if configuration.perAddressLimit > 0, waiting.count(where: { $0.client == client }) >= configuration.perAddressLimit {
                close(descriptor)
                continue
            }
            Self.setNonBlockingAndCloseOnExec(descriptor)
            waiting.append(
                Waiting(
                    descriptor: descriptor, address: address, length: length, client: client,
                    deadline: .now + .seconds(configuration.firstByteSeconds)))
        }
    }

    /// The first byte decides: a handshake goes to the daemon, anything else is answered here.
    private func look(at index: Int) {
        var entry = waiting[index]
        if entry.draining {
            var scratch = [UInt8](repeating: 0, count: 4096)
            let read = recv(entry.descriptor, &scratch, scratch.count, 0)
            if read > 0 || (read < 0 && (errno == EAGAIN || errno == EINTR)) { return }
            close(entry.descriptor)
            waiting.remove(at: index)
            return
        }
        var first: UInt8 = 0
        let peeked = recv(entry.descriptor, &first, 1, Int32(MSG_PEEK))
        if peeked < 0 && (errno == EAGAIN || errno == EINTR) { return }
        waiting.remove(at: index)
        guard peeked == 1 else {
            close(entry.descriptor)
            return
        }
        if first == 0x16 {
            // libmicrohttpd closes the socket itself if it cannot take it (a limit reached).
            let (descriptor, length) = (entry.descriptor, entry.length)
            _ = withUnsafePointer(to: entry.address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MHD_add_connection(daemon, descriptor, $0, length) }
            }
            return
        }
        answerPlainHTTP(entry.descriptor)
        entry.draining = true
        entry.deadline = .now + .seconds(1)
        waiting.append(entry)
    }

    private func answerPlainHTTP(_ descriptor: Int32) {
        var head = [UInt8](repeating: 0, count: 8192)
        let read = max(0, recv(descriptor, &head, head.count, 0))
        let (request, target) = Self.parsedHead(Array(head[..<read]))
        let response = responder.respondToPlainHTTP(request, target: target, port: configuration.port)
        let bytes = Self.serialized(response)
        _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(descriptor, Int32(SHUT_WR))
        messages?("plain HTTP on the HTTPS port, not a TLS handshake: answered 400 naming https:// (\(request.method) \(request.path))")
    }

    private func closePastDeadlines() {
        let now = ContinuousClock.now
        waiting.removeAll { entry in
            guard entry.deadline < now else { return false }
            close(entry.descriptor)
            return true
        }
    }

    private func timeoutMilliseconds() -> Int32 {
        guard let soonest = (waiting.map(\.deadline) + [listenerRestsUntil].compactMap { $0 }).min() else { return -1 }
        let left = soonest - .now
        return Int32(clamping: max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1))
    }

    private static func clientAddress(_ storage: sockaddr_storage) -> [UInt8] {
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: storage) { bytes in
            switch family {
            case AF_INET: Array(bytes[4..<8])
            case AF_INET6: Array(bytes[8..<24])
            default: []
            }
        }
    }

    private static func setNonBlockingAndCloseOnExec(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
    }

    /// The method, path and `Host` header of a plain request's head, as far as it came, and its
    /// target as sent (at most 2,048 bytes of it).
    static func parsedHead(_ head: [UInt8]) -> (request: HTTPRequest, target: String) {
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let words = lines.first?.split(separator: " ") ?? []
        let target = words.count >= 2 && words[1].hasPrefix("/") && words[1].utf8.count <= 2048 ? String(words[1]) : "/"
        let method = words.first.map { String($0.prefix(16)) } ?? "?"
        let host = lines.dropFirst().prefix { !$0.isEmpty }.first { $0.lowercased().hasPrefix("host:") }
            .map { String($0.dropFirst(5).drop { $0 == " " || $0 == "\t" }) }
            .flatMap { $0.isEmpty || $0.utf8.count > 255 || $0.contains { $0 == " " || $0 == "/" } ? nil : $0 }
        let path = String(target.prefix { $0 != "?" })
        return (HTTPRequest(method: method, path: path, headers: HTTPHeaders(host.map { [("Host", $0)] } ?? [])), target)
    }

    static func serialized(_ response: HTTPResponse) -> [UInt8] {
        var head = "HTTP/1.1 \(response.status) \(response.status == 400 ? "Bad Request" : "Error")\r\n"
        for field in response.headers.fields where !field.name.caseInsensitiveEquals("Content-Length") {
            head += "\(field.name): \(field.value)\r\n"
        }
        head += "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + response.body
    }
}
