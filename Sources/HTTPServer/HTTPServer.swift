import CMicroHTTPD
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A libmicrohttpd daemon serving one `HTTPResponder`: epoll loops on a thread pool, keep-alive,
/// bodies collected up to a cap, limits on connections and idle time, and a graceful stop. With
/// TLS, the server's own `TLSDoor` accepts each connection and hands libmicrohttpd those that
/// begin with a TLS handshake (plain HTTP gets a plain 400).
///
/// `@unchecked Sendable`: the daemon pointer is written once in `init` and cleared once in
/// `shutdown`, both under `state`'s lock; everything else is immutable after `init`.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: HTTPServerConfiguration
    /// The port actually bound (the kernel's pick when the configuration said 0).
    public let port: Int
    let responder: any HTTPResponder
    private let state = Mutex<DaemonHandle?>(nil)
    /// Requests between their first handler call and their completion callback.
    let inFlight = Atomic<Int>(0)
    /// Connections suspended for `.later` replies, resumed with a 503 at shutdown.
    let suspendedConnections = Mutex<[ObjectIdentifier: SuspendedConnection]>([:])
    /// TLS option strings handed to libmicrohttpd, freed after it stops.
    private let tlsStrings: CStrings
    /// Request deadlines; nil when `requestTimeoutSeconds` is 0.
    let deadlines: ConnectionDeadlines?
    /// With TLS: what accepts connections and answers plain HTTP (the daemon has no listening
    /// socket then). Without TLS, libmicrohttpd accepts on `listener` itself.
    private var door: TLSDoor?
    private let listener: Int32

    /// Connections closed for missing the request deadline since the start.
    public var connectionsPastDeadline: Int { deadlines?.closed.load(ordering: .relaxed) ?? 0 }

    /// Where libmicrohttpd's messages go: the trampoline and this server; freed with the server.
    private let logTarget = UnsafeMutablePointer<cmhd_log_target>.allocate(capacity: 1)

    /// GnuTLS priorities: its defaults, less every protocol version but TLS 1.3 and 1.2.
    static let tlsPriorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

    /// Binds, starts the worker threads and begins serving before returning.
    public init(configuration: HTTPServerConfiguration, responder: any HTTPResponder) throws {
        self.configuration = configuration
        self.responder = responder
        let socket = try ListeningSocket.bind(host: configuration.host, port: configuration.port)
        self.port = socket.port
        listener = socket.descriptor
        deadlines =
            configuration.requestTimeoutSeconds > 0
            ? ConnectionDeadlines(requestTimeoutSeconds: configuration.requestTimeoutSeconds, idleTimeoutSeconds: configuration.idleTimeoutSeconds)
            : nil
        tlsStrings = CStrings(configuration.tls.map { [$0.privateKeyPEM, $0.certificatePEM, Self.tlsPriorities] } ?? [])
        // The daemon holds this retained reference until `shutdown` stops it and releases it.
        let context = Unmanaged.passRetained(self).toOpaque()

        var options: [MHD_OptionItem] = [
            MHD_OptionItem(option: .THREAD_POOL_SIZE, value: max(1, configuration.threads), ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_LIMIT, value: configuration.connectionLimit, ptr_value: nil),
            MHD_OptionItem(option: .PER_IP_CONNECTION_LIMIT, value: configuration.perIPConnectionLimit, ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: configuration.idleTimeoutSeconds, ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_MEMORY_LIMIT, value: configuration.connectionMemoryBytes, ptr_value: nil),
            cmhd_uri_log_option(requestLineTrampoline, context),
        ]
        if deadlines != nil { options.append(cmhd_notify_connection_option(notifyConnectionTrampoline, context)) }
        logTarget.initialize(to: cmhd_log_target(log: libraryMessageTrampoline, cls: context))
        options.append(cmhd_external_logger_option(logTarget))
        if configuration.tls == nil {
            options.append(MHD_OptionItem(option: .LISTEN_SOCKET, value: Int(socket.descriptor), ptr_value: nil))
        } else {
            options += [
                MHD_OptionItem(option: .HTTPS_MEM_KEY, value: 0, ptr_value: tlsStrings.pointers[0]),
                MHD_OptionItem(option: .HTTPS_MEM_CERT, value: 0, ptr_value: tlsStrings.pointers[1]),
                MHD_OptionItem(option: .HTTPS_PRIORITIES, value: 0, ptr_value: tlsStrings.pointers[2]),
            ]
        }
        options.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))
        let daemon = options.withUnsafeMutableBufferPointer {
            cmhd_start_daemon(
                cmhd_flags_epoll_pool(configuration.tls == nil ? 0 : 1), accessTrampoline, context, completedTrampoline, context, $0.baseAddress)
        }
        guard let daemon else {
            deadlines?.stop()
            Unmanaged<HTTPServer>.fromOpaque(context).release()
            close(socket.descriptor)
            throw HTTPServerError.daemonFailed(
                reason: configuration.tls == nil
                    ? "MHD_start_daemon refused the configuration" : "MHD_start_daemon refused the TLS certificate or key")
        }
        if configuration.tls != nil {
            do {
                door = try TLSDoor(
                    TLSDoor.Configuration(
                        listener: socket.descriptor, port: socket.port, connectionLimit: configuration.connectionLimit,
                        perAddressLimit: configuration.perIPConnectionLimit,
                        firstByteSeconds: max(
                            1, configuration.requestTimeoutSeconds > 0 ? configuration.requestTimeoutSeconds : configuration.idleTimeoutSeconds)),
                    daemon: daemon, responder: responder, messages: configuration.libraryMessages)
            } catch {
                MHD_stop_daemon(daemon)
                deadlines?.stop()
                Unmanaged<HTTPServer>.fromOpaque(context).release()
                close(socket.descriptor)
                throw error
            }
        }
        state.withLock { $0 = DaemonHandle(pointer: daemon) }
    }

    deinit {
        logTarget.deallocate()
    }

    /// Stops accepting, lets requests in flight finish (up to `grace`), then stops the threads.
    /// Idempotent; safe to call from any thread but the server's own.
    public func shutdown(grace: Duration = .seconds(10)) {
        guard
            let daemon = state.withLock({ current -> OpaquePointer? in
                defer { current = nil }
                return current?.pointer
            })
        else { return }
        // The listening socket is closed only after MHD_stop_daemon: with a thread pool, each epoll
        // worker removes it from its own set after quiesce returns, and libmicrohttpd aborts the
        // process ("Failed to remove FD from epoll set") if the descriptor is already gone.
        // The door first: no connection reaches the daemon after this.
        door?.stop()
        _ = MHD_quiesce_daemon(daemon)
        // libmicrohttpd must not be stopped with suspended connections: answer them first.
        for waiting in suspendedConnections.withLock({ Array($0.values) }) {
            resume(waiting.state, with: responder.respondWhileStopping())
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while inFlight.load(ordering: .acquiring) > 0 && clock.now < deadline {
            usleep(2_000)
        }
        MHD_stop_daemon(daemon)
        deadlines?.stop()
        close(listener)
        Unmanaged.passUnretained(self).release()
    }
}

/// C strings that must outlive the daemon that reads them. `@unchecked Sendable`: written once at
/// creation, freed once in `deinit`, never changed in between.
private final class CStrings: @unchecked Sendable {
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) }
    }

    deinit {
        pointers.forEach { free($0) }
    }
}

/// The running daemon. `@unchecked Sendable`: libmicrohttpd's daemon functions are thread-safe,
/// and `HTTPServer` hands the pointer out only under its lock, to stop it once.
private struct DaemonHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
