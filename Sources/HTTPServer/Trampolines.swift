import CMicroHTTPD
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The C callbacks libmicrohttpd calls on its threads. Each forwards on its first line through
/// `server(_:)` to a method of `HTTPServer`, so no logic lives in a `@convention(c)` closure.

/// What one request accumulates between handler calls; owned by libmicrohttpd's `*req_cls`
/// (retained on the first call, released in the completion callback).
final class RequestState: @unchecked Sendable {  // Fields change on the connection's thread; `delivered` under `lock`.
    /// Method, target and headers, read once on the first call; the body is added at the end.
    let head: HTTPRequest
    var body: [UInt8] = []
    /// A response was queued before the body ended (oversized body): ignore the rest.
    var answered = false
    /// A chunked body passed the limit: the rest is read and dropped, and the 413 goes out when it
    /// ends (libmicrohttpd refuses a response queued in the middle of a body).
    var bodyTooLarge = false
    /// Waiting for a `.later` reply: the connection is suspended.
    var suspended = false
    /// What the `.later` reply delivered (nil inside: hang up), read when the connection resumes.
    let delivered = Mutex<HTTPResponse??>(nil)
    /// The `.later` reply's `then`, run on the connection's thread when it resumes.
    var then: @Sendable (HTTPResponse?) -> HTTPResponse? = { $0 }

    init(head: HTTPRequest) {
        self.head = head
    }
}

@inline(__always)
private func server(_ context: UnsafeMutableRawPointer?) -> HTTPServer {
    Unmanaged<HTTPServer>.fromOpaque(context!).takeUnretainedValue()
}

let accessTrampoline: MHD_AccessHandlerCallback = { context, connection, url, method, version, uploadData, uploadSize, requestContext in
    server(context).handle(
        connection: connection!, url: url!, method: method!, version: version, upload: uploadData, uploadSize: uploadSize!,
        requestContext: requestContext!)
}

let completedTrampoline: MHD_RequestCompletedCallback = { context, connection, requestContext, _ in
    server(context).complete(connection: connection, requestContext: requestContext)
}

let notifyConnectionTrampoline: MHD_NotifyConnectionCallback = { context, connection, socketContext, code in
    server(context).connectionNotified(connection!, socketContext: socketContext!, started: cmhd_connection_started(code) != 0)
}

let libraryMessageTrampoline: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void = { context, line in
    guard let line else { return }
    let text = String(cString: line)
    server(context).configuration.libraryMessages?(text.hasSuffix("\n") ? String(text.dropLast()) : text)
}

let requestLineTrampoline: cmhd_uri_logger = { context, uri, connection in
    server(context).requestLineArrived(uri!, connection: connection!)
}

/// What the request-line callback leaves in `*req_cls` for a request it refuses: too many query
/// parameters (the query is cut off), or a NUL in the path. The first handler call answers it.
/// Never freed.
nonisolated(unsafe) private let tooManyParametersMarker = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
nonisolated(unsafe) private let nulInPathMarker = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

private func isRefusalMarker(_ pointer: UnsafeMutableRawPointer) -> Bool {
    pointer == tooManyParametersMarker || pointer == nulInPathMarker
}

extension HTTPServer {
    func handle(
        connection: OpaquePointer,
        url: UnsafePointer<CChar>,
        method: UnsafePointer<CChar>,
        version: UnsafePointer<CChar>?,
        upload: UnsafePointer<CChar>?,
        uploadSize: UnsafeMutablePointer<Int>,
        requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        guard let existing = requestContext.pointee, !isRefusalMarker(existing) else {
            // First call: headers only. Answer on a later call, or libmicrohttpd closes the
            // connection after the reply (it cannot know the body was consumed).
            var (head, oversizedPart) = readHead(connection: connection, url: url, method: method)
            if requestContext.pointee == tooManyParametersMarker { oversizedPart = .queryParameters }
            if requestContext.pointee == nulInPathMarker { oversizedPart = .pathWithNUL }
            let state = RequestState(head: head)
            requestContext.pointee = Unmanaged.passRetained(state).toOpaque()
            inFlight.add(1, ordering: .relaxed)
            if let length = head.headers["Content-Length"], let declared = Int(length), declared > configuration.maxBodyBytes {
                return rejectOversized(state, connection: connection)
            }
            // Answered on this first call, a refusal also closes the connection: nothing after a
            // head that cannot be framed is read as a request.
            let http10 = version.map { strcmp($0, "HTTP/1.0") == 0 } ?? false
            if let part = oversizedPart ?? RequestFraming.problem(in: head.headers, http10: http10) {
                state.answered = true
                let limit =
                    switch part {
                    case .target: configuration.maxURLBytes
                    case .headers: configuration.maxHeaderBytes
                    case .queryParameters: configuration.maxQueryParameters
                    case .pathWithNUL, .ambiguousLength, .transferCoding, .malformedHeader, .host: 0
                    }
                var response = responder.respondToRefusedHead(head, part: part, limit: limit)
                response.headers.add(name: "Connection", value: "close")
                return queue(response, on: connection)
            }
            return .YES
        }
        let state = Unmanaged<RequestState>.fromOpaque(existing).takeUnretainedValue()
        if uploadSize.pointee > 0 {
            let count = uploadSize.pointee
            uploadSize.pointee = 0
            if state.answered || state.bodyTooLarge { return .YES }
            if state.body.count + count > configuration.maxBodyBytes {
                // Only a chunked body gets here (a declared length over the limit was refused on
                // the first call); its sender is still sending, and the request deadline bounds that.
                state.body = []
                state.bodyTooLarge = true
                return .YES
            }
            upload!.withMemoryRebound(to: UInt8.self, capacity: count) {
                state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
            }
            return .YES
        }
        if state.suspended {
            // Resumed: the `.later` reply has delivered.
            guard let delivered = state.delivered.withLock({ $0 }) else { return .YES }
            state.suspended = false
            state.answered = true
            return state.then(delivered).map { queue($0, on: connection) } ?? .NO
        }
        if state.answered { return .YES }
        if state.bodyTooLarge { return rejectOversized(state, connection: connection) }
        var request = state.head
        request.body = state.body
        state.body = []
        // The request is in, whole: the deadline bounds a slow client, not the work its request
        // asks for (a reset to a big fixture took past it, and its answer was cut off).
        answered(connection)
        switch responder.reply(to: request) {
        case .now(let response):
            state.answered = true
            return queue(response, on: connection)
        case .hangUp:
            state.answered = true
            return .NO
        case .later(let start, let then):
            state.suspended = true
            state.then = then
            answered(connection)
            MHD_suspend_connection(connection)
            suspendedConnections.withLock { $0[ObjectIdentifier(state)] = SuspendedConnection(state: state, connection: connection) }
            start { [weak self] response in self?.resume(state, with: response) }
            return .YES
        }
    }

    /// Hands a `.later` reply's response to its suspended connection, once.
    func resume(_ state: RequestState, with response: HTTPResponse?) {
        guard let suspended = suspendedConnections.withLock({ $0.removeValue(forKey: ObjectIdentifier(state)) }) else { return }
        state.delivered.withLock { $0 = .some(response) }
        MHD_resume_connection(suspended.connection.pointer)
    }

    func complete(connection: OpaquePointer?, requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) {
        if let deadlines, let connection, let watch = watch(of: connection) { deadlines.finished(watch) }
        guard let requestContext, let existing = requestContext.pointee else { return }
        requestContext.pointee = nil
        // A refused request that closed before its first handler call holds only the marker.
        guard !isRefusalMarker(existing) else { return }
        Unmanaged<RequestState>.fromOpaque(existing).release()
        inFlight.subtract(1, ordering: .releasing)
    }

    /// A connection opened or closed: its deadline watch is made, or let go.
    func connectionNotified(_ connection: OpaquePointer, socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>, started: Bool) {
        guard let deadlines else { return }
        if started {
            socketContext.pointee = Unmanaged.passRetained(deadlines.opened(descriptor: cmhd_connection_fd(connection))).toOpaque()
        } else if let pointer = socketContext.pointee {
            socketContext.pointee = nil
            deadlines.closed(Unmanaged<ConnectionDeadlines.ConnectionWatch>.fromOpaque(pointer).takeRetainedValue())
        }
    }

    /// The request line is in: its deadline starts, and a query of more than
    /// `maxQueryParameters` parameters is cut off before libmicrohttpd parses it (it keeps a record
    /// of each in the connection's memory, and ran out and stalled past about 900). The line is
    /// libmicrohttpd's own writable buffer, and it parses the query only after this call.
    func requestLineArrived(_ uri: UnsafePointer<CChar>, connection: OpaquePointer) -> UnsafeMutableRawPointer? {
        if let deadlines, let watch = watch(of: connection) { deadlines.requestStarted(watch) }
        let question = strchr(uri, 0x3F)
        if Self.holdsEncodedNUL(uri, before: question) { return nulInPathMarker }
        guard let question else { return nil }
        var parameters = 1
        var cursor = question + 1
        while cursor.pointee != 0 {
            if cursor.pointee == 0x26 { parameters += 1 }
            cursor += 1
        }
        guard parameters > configuration.maxQueryParameters else { return nil }
        UnsafeMutablePointer(mutating: question + 1).pointee = 0
        return tooManyParametersMarker
    }

    /// Whether the path (up to `end`, or the whole line) has `%00`, which decodes to a NUL.
    private static func holdsEncodedNUL(_ uri: UnsafePointer<CChar>, before end: UnsafeMutablePointer<CChar>?) -> Bool {
        var cursor = uri
        while cursor.pointee != 0, end.map({ cursor < $0 }) ?? true {
            if cursor.pointee == 0x25, cursor[1] == 0x30, cursor[2] == 0x30 { return true }
            cursor += 1
        }
        return false
    }

    private func watch(of connection: OpaquePointer) -> ConnectionDeadlines.ConnectionWatch? {
        cmhd_socket_context(connection).map { Unmanaged<ConnectionDeadlines.ConnectionWatch>.fromOpaque($0).takeUnretainedValue() }
    }

    private func answered(_ connection: OpaquePointer) {
        if let deadlines, let watch = watch(of: connection) { deadlines.answered(watch) }
    }

    private func rejectOversized(_ state: RequestState, connection: OpaquePointer) -> MHD_Result {
        state.answered = true
        return queue(responder.respondToOversizedBody(state.head, limit: configuration.maxBodyBytes), on: connection)
    }

    /// The request without its body, in one pass over libmicrohttpd's headers and query
    /// arguments, and which part of it (decoded target, header block) passed its limit, if any.
    private func readHead(connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>) -> (HTTPRequest, HTTPHeadPart?) {
        var collector = ValueCollector()
        withUnsafeMutablePointer(to: &collector) { pointer in
            _ = MHD_get_connection_values_n(connection, .HEADER_KIND, collectTrampoline, pointer)
            pointer.pointee.collectingQuery = true
            _ = MHD_get_connection_values_n(connection, .GET_ARGUMENT_KIND, collectTrampoline, pointer)
        }
        let head = HTTPRequest(
            method: String(cString: method), path: String(cString: url), query: collector.query, headers: collector.headers)
        if strlen(url) + collector.queryBytes > configuration.maxURLBytes { return (head, .target) }
        if collector.headerBytes > configuration.maxHeaderBytes { return (head, .headers) }
        return (head, nil)
    }

    private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
        answered(connection)
        let created = response.body.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
        }
        guard let created else { return .NO }
        for field in response.headers.fields {
            MHD_add_response_header(created, field.name, field.value)
        }
        let result = MHD_queue_response(connection, UInt32(response.status), created)
        MHD_destroy_response(created)
        return result
    }
}

/// A connection waiting for a `.later` reply. `@unchecked Sendable`: libmicrohttpd allows
/// `MHD_resume_connection` from any thread.
struct SuspendedConnection: @unchecked Sendable {
    let state: RequestState
    let connection: ConnectionPointer

    init(state: RequestState, connection: OpaquePointer) {
        self.state = state
        self.connection = ConnectionPointer(pointer: connection)
    }
}

struct ConnectionPointer: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Headers and query arguments gathered by one pass of `MHD_get_connection_values_n`: the
/// sized variant, because a decoded `%00` would end a C string early and hide the rest of the
/// value (a filter's length check then saw a few bytes of a 4,000-character value).
struct ValueCollector {
    var headers = HTTPHeaders()
    var query: [QueryItem] = []
    var collectingQuery = false
    /// Each key's and value's length as libmicrohttpd holds them, plus two for the separators.
    var headerBytes = 0
    var queryBytes = 0
}

private let collectTrampoline: MHD_KeyValueIteratorN = { context, _, key, keySize, value, valueSize in
    let collector = context!.assumingMemoryBound(to: ValueCollector.self)
    guard let key else { return .YES }
    let name = sizedString(key, keySize)
    if collector.pointee.collectingQuery {
        collector.pointee.queryBytes += keySize + valueSize + 2
        collector.pointee.query.append(QueryItem(name: name, value: value.map { sizedString($0, valueSize) }))
    } else {
        collector.pointee.headerBytes += keySize + valueSize + 2
        collector.pointee.headers.add(name: name, value: value.map { sizedString($0, valueSize) } ?? "")
    }
    return .YES
}

/// The `size` bytes at `start` as UTF-8 (invalid bytes repaired), NULs included.
private func sizedString(_ start: UnsafePointer<CChar>, _ size: Int) -> String {
    start.withMemoryRebound(to: UInt8.self, capacity: size) { String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self) }
}
