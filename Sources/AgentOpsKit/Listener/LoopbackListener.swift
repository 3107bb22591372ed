import Foundation

/// What a handler decides from a request's head, before a byte of its body is read.
enum HTTPScreening: Sendable {
    /// Answer now without reading the body (unknown route, no credentials, …).
    case answer(HTTPResponse)
    /// Read a body of at most `limit` bytes (413 beyond), then `respond`. `trusted`
    /// says the client proved itself (a key), so its connection is never evicted to
    /// make room while it waits for its next request.
    case read(limit: Int, trusted: Bool)
}

/// What the listener serves: a screen on the head (before any body is read, so an
/// unauthorised or unknown request never makes it buffer a body) and the answer. Each
/// route decides its own credentials and body limit in `screen`: the SDK's v2 calls
/// need the run's key and carry small batches; a route that accepts anonymous
/// requests (OTLP traces) can still bound its bodies.
protocol HTTPHandler: Sendable {
    /// Whether to read the body, and how much of it.
    func screen(_ head: HTTPRequestHead) -> HTTPScreening
    /// The answer to a whole request.
    func respond(_ head: HTTPRequestHead, body: ArraySlice<UInt8>) -> HTTPResponse
}

/// A small HTTP/1.1 server on 127.0.0.1 only, on a port the kernel picks: one thread
/// accepts, one thread serves each connection (the SDK keeps one or two open).
///
/// It must never be the reason a run misbehaves, so every client is bounded: a
/// request must arrive whole within `requestTimeout` of its first byte (slowloris), an
/// idle keep-alive connection is closed after `idleTimeout` (`busyIdleTimeout` once
/// more than half the connections are taken), heads and bodies have size limits (431,
/// 413: the handler's per-route limit under `maxBodyBytes`), bodies in flight share
/// `bodyBudget` bytes (503 beyond), answers are written with a send timeout and
/// without SIGPIPE, and a refused client still sending its body reads its answer (the
/// connection lingers, see `linger`). At `maxConnections`, a new connection takes the place of the
/// oldest one waiting that never proved itself (then of the oldest trusted one idle
/// between requests); when none is waiting it gets 503. So local processes holding
/// idle connections cannot lock the SDK out, and cannot make the wrapper buffer more
/// than the budget. That 503 drains what the client already sent for a moment
/// (`drainBriefly`) rather than lingering on a thread of its own.
///
/// `@unchecked Sendable`: the connection table, the body budget and the stopping flag
/// are guarded by `condition`; the socket and limits are immutable.
final class LoopbackListener: @unchecked Sendable {
    /// Bounds on what one client can make the listener do.
    struct Limits: Sendable {
        var requestTimeout: Double = 10
        var idleTimeout: Double = 30
        var busyIdleTimeout: Double = 1
        var maxHeadBytes = 64 << 10
        /// No route reads a body larger than this, whatever its own limit.
        var maxBodyBytes = 32 << 20
        /// Bytes of bodies being read or answered at once, over all connections.
        var bodyBudget = 32 << 20
        var maxConnections = 32
        /// After refusing a request whose body is still coming (413, 503, …), how long
        /// and how many bytes of it are read and thrown away so that the answer is not
        /// lost to a reset (see `linger`).
        var lingerSeconds: Double = 2
        var lingerBytes = 64 << 20
    }

    /// Where a connection is, for choosing one to close when all are taken.
    private struct Connection {
        /// Waiting for (or reading the head of) a request since this instant; nil
        /// while a screened request is read or answered (never evicted then).
        var waitingSince: Double?
        /// A request on it passed a screen that trusts the client.
        var trusted = false
    }

    /// The stack of the accepting thread and of each connection's
    /// (`PlainThread.clientStackSize`, which says why).
    static let threadStackSize = PlainThread.clientStackSize

    /// The port it listens on, on 127.0.0.1.
    let port: UInt16
    private let listenFD: Int32
    private let handler: HTTPHandler
    private let limits: Limits
    private let condition = NSCondition()
    private var connections: [Int32: Connection] = [:]
    private var bodyBytesInFlight = 0
    private var busy = 0
    private var stopping = false

    /// Binds 127.0.0.1 on a free port and starts listening; `start` begins accepting
    /// (connections made before wait in the backlog).
    ///
    /// - Throws: `StoreError.system` naming the call that failed.
    init(handler: HTTPHandler, limits: Limits = Limits()) throws {
        self.handler = handler
        self.limits = limits
        do {
            (listenFD, port) = try TCPSocket.listenLoopback(backlog: 64)
        } catch {
            switch error {
            case let .socket(reason): throw ListenerError(call: "socket", code: reason.code)
            case let .bind(reason): throw ListenerError(call: "bind or listen", code: reason.code)
            default: throw ListenerError(call: "socket", code: 0)
            }
        }
    }

    /// The base URL clients use.
    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Starts the accepting thread. Without one (`ulimit -u`) the listener is closed at
    /// once, so the SDK's requests are refused instead of waiting for an answer.
    func start() {
        let started = PlainThread.start(name: "agentops-listener", stackSize: Self.threadStackSize) { [self] in
            acceptLoop()
        }
        guard !started else { return }
        condition.lock()
        stopping = true
        condition.unlock()
        Descriptors.close(listenFD)
    }

    /// Stops accepting, lets requests being answered finish for up to `grace` seconds,
    /// then closes every connection. Idempotent.
    func stop(grace: Double = 1) {
        condition.lock()
        if stopping {
            condition.unlock()
            return
        }
        stopping = true
        // Wakes the accepting thread, which closes the socket on its way out.
        TCPSocket.shutdown(listenFD)
        let deadline = Date(timeIntervalSinceNow: grace)
        while busy > 0, condition.wait(until: deadline) {}
        for fd in connections.keys { TCPSocket.shutdown(fd) }
        condition.unlock()
    }

    private func acceptLoop() {
        defer { Descriptors.close(listenFD) }
        // What refused clients already sent is read into this, taken while memory is there.
        let drainChunk = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readChunkBytes, alignment: 16)
        defer { drainChunk.deallocate() }
        while true {
            // The close-on-exec flag is set at once (and Foundation's launcher closes
            // stray descriptors in its children too).
            let fd: Int32
            switch TCPSocket.accept(listenFD) {
            case let .connection(accepted): fd = accepted
            case .retry:
                if isStopping { return }
                continue
            case .outOfDescriptors:
                // Out of descriptors: a moment for some to close rather than a busy loop.
                Clock.sleep(microseconds: 10_000)
                if isStopping { return }
                continue
            case .failed: return
            }
            TCPSocket.setSendTimeout(fd, seconds: Int(limits.requestTimeout))
            condition.lock()
            if !stopping, connections.count >= limits.maxConnections { evictWaiting() }
            let refuse = stopping || connections.count >= limits.maxConnections
            if !refuse { connections[fd] = Connection(waitingSince: Self.now()) }
            condition.unlock()
            if refuse {
                refuseAtAccept(fd, "too many connections", via: drainChunk)
                continue
            }
            // The connection's read buffer is asked for here, where its lack is a 503:
            // on its thread it would be Swift's trap, the run's end (`ulimit -v`).
            guard let chunk = FallibleBuffer(count: Self.readChunkBytes) else {
                forget(fd)
                refuseAtAccept(fd, "no memory to serve this connection", via: drainChunk)
                continue
            }
            let served = PlainThread.start(name: "agentops-listener-connection",
                                           stackSize: Self.threadStackSize) { [self] in serve(fd, via: chunk) }
            if !served {
                // No thread to serve it (`ulimit -u`, or no room for its stack under
                // `ulimit -v`): refused as when too many are open.
                chunk.free()
                forget(fd)
                refuseAtAccept(fd, "no thread to serve this connection", via: drainChunk)
            }
        }
    }

    /// Bytes read from a connection at once.
    private static let readChunkBytes = 65536

    /// Drops `fd` from the connection table (it was never served).
    private func forget(_ fd: Int32) {
        condition.lock()
        connections[fd] = nil
        condition.unlock()
    }

    /// Answers 503 with `message` on the accepting thread, drains briefly and closes.
    private func refuseAtAccept(_ fd: Int32, _ message: String, via chunk: UnsafeMutableRawBufferPointer) {
        send(fd, HTTPResponse.error(503, path: "", message: message).serialized(close: true))
        drainBriefly(fd, via: chunk)
        Descriptors.close(fd)
    }

    /// Closes the connection that has waited longest without proving itself (else the
    /// trusted one idle longest), making room for a new one. Its thread sees the
    /// shutdown, closes it and leaves; until then it is no longer counted. Called
    /// with `condition` locked.
    private func evictWaiting() {
        let waiting = connections.compactMap { fd, state in state.waitingSince.map { (fd, $0, state.trusted) } }
        guard let victim = waiting.min(by: { ($0.2 ? 1 : 0, $0.1) < ($1.2 ? 1 : 0, $1.1) }) else { return }
        connections[victim.0] = nil
        TCPSocket.shutdown(victim.0)
    }

    /// Marks `fd` waiting for a request (with whether it is trusted now) or busy.
    private func mark(_ fd: Int32, waiting: Bool, trusted: Bool? = nil) {
        condition.lock()
        defer { condition.unlock() }
        guard var state = connections[fd] else { return }
        state.waitingSince = waiting ? Self.now() : nil
        if let trusted { state.trusted = trusted }
        connections[fd] = state
    }

    /// How long a connection may stay idle now: short once more than half of
    /// `maxConnections` are taken, so that idle clients make room quickly.
    private var currentIdleTimeout: Double {
        condition.lock()
        defer { condition.unlock() }
        return connections.count > limits.maxConnections / 2 ? min(limits.busyIdleTimeout, limits.idleTimeout)
            : limits.idleTimeout
    }

    /// Takes `bytes` from the body budget; false when it would go over.
    private func reserveBody(_ bytes: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard bodyBytesInFlight + bytes <= limits.bodyBudget else { return false }
        bodyBytesInFlight += bytes
        return true
    }

    private func releaseBody(_ bytes: Int) {
        condition.lock()
        bodyBytesInFlight -= bytes
        condition.unlock()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// How a connection's requests ended: closed at once, or after a refusal whose
    /// request body may still be on its way (`linger`).
    private enum Ending { case close, linger }

    /// Serves requests on one connection until the client closes it, asks to, stalls,
    /// or sends something that puts the stream out of step.
    /// `buffer` is the connection's read buffer, freed here.
    private func serve(_ fd: Int32, via buffer: FallibleBuffer) {
        defer {
            forget(fd)
            Descriptors.close(fd)
            buffer.free()
        }
        let chunk = buffer.bytes
        // Outside the request's `begin`/`end`: a run that ends does not wait for it.
        if serveRequests(fd, via: chunk) == .linger, !isStopping { linger(fd, via: chunk) }
    }

    /// Sends a refusal with `Connection: close`, after which the connection lingers.
    private func refuse(_ fd: Int32, _ response: HTTPResponse) -> Ending {
        send(fd, response.serialized(close: true))
        return .linger
    }

    /// Reads and throws away what the client still sends after a refusal, until it
    /// closes, for at most `lingerSeconds` and `lingerBytes`.
    ///
    /// A client refused before its body was read is usually still sending it, and closing
    /// a socket with unread bytes resets the connection: the client's kernel then drops
    /// the answer it had not read yet, so Python's `requests` or `urllib` would report
    /// "connection reset" instead of the 413. Shutting the sending side first puts a FIN
    /// after the answer. The connection can be evicted meanwhile (it is marked waiting and
    /// untrusted), and the listener's stop shuts it.
    private func linger(_ fd: Int32, via chunk: UnsafeMutableRawBufferPointer) {
        TCPSocket.shutdownWrite(fd)
        mark(fd, waiting: true, trusted: false)
        Self.discard(fd, via: chunk, seconds: limits.lingerSeconds, bytes: limits.lingerBytes)
    }

    /// Reads and throws away what arrives on `fd` until the client closes it, `seconds`
    /// pass or `bytes` were read.
    private static func discard(_ fd: Int32, via chunk: UnsafeMutableRawBufferPointer, seconds: Double, bytes: Int) {
        let deadline = now() + seconds
        var discarded = 0
        while discarded < bytes {
            let left = deadline - now()
            guard left > 0 else { return }
            switch Readiness.readable(fd, milliseconds: Int32(min(left, 3600) * 1000) + 1) {
            case .ready: break
            case .interrupted: continue
            case .timedOut, .failed: return
            }
            let n = Descriptors.read(fd, into: chunk)
            if n <= 0 { return }
            discarded += n
        }
    }

    /// After the "too many connections" 503, on the accepting thread: the answer is
    /// followed by a FIN, and what the client has already sent (usually its whole
    /// request, up to `refusedDrainBytes`) is read within `refusedDrainMilliseconds`, so
    /// that closing does not reset the connection and lose the answer. Shorter than
    /// `linger`: no thread is spared for a client refused because all are taken, and the
    /// accepting thread must get back to the queue.
    private func drainBriefly(_ fd: Int32, via chunk: UnsafeMutableRawBufferPointer) {
        TCPSocket.shutdownWrite(fd)
        Self.discard(fd, via: chunk, seconds: Double(Self.refusedDrainMilliseconds) / 1000, bytes: Self.refusedDrainBytes)
    }

    /// Bounds of `drainBriefly`.
    private static let refusedDrainMilliseconds = 50
    private static let refusedDrainBytes = 1 << 20

    /// The request loop of `serve`.
    private func serveRequests(_ fd: Int32, via chunk: UnsafeMutableRawBufferPointer) -> Ending {
        var buffer: [UInt8] = []
        func receive(within seconds: Double) -> Received { self.receive(fd, into: &buffer, via: chunk, within: seconds) }
        while true {
            // The head. The request's clock starts at its first byte (already here when
            // the client pipelined it); before that the connection is idle.
            var deadline: Double? = buffer.isEmpty ? nil : Self.now() + limits.requestTimeout
            let idleSince = Self.now()
            let head: HTTPRequestHead
            let headLength: Int
            while true {
                switch HTTPRequestParser.parse(buffer[...], maxHeadBytes: limits.maxHeadBytes,
                                               maxBodyBytes: limits.maxBodyBytes) {
                case let .head(parsed, length):
                    head = parsed
                    headLength = length
                case let .failure(failure):
                    return refuse(fd, HTTPResponse.error(failure.status, path: "", message: failure.message))
                case .incomplete:
                    // Idle, waited in slices of at most a second: the idle timeout
                    // shortens as soon as the connections fill up.
                    let wait = deadline.map { $0 - Self.now() }
                        ?? min(max(0, idleSince + currentIdleTimeout - Self.now()), 1)
                    switch receive(within: wait) {
                    case .data:
                        if deadline == nil { deadline = Self.now() + limits.requestTimeout }
                        continue
                    case .timedOut where deadline == nil:
                        if Self.now() - idleSince < currentIdleTimeout { continue }
                        return .close
                    case .timedOut:
                        send(fd, HTTPResponse.error(408, path: "", message: "request not received within "
                            + "\(DurationFormat.sdk(limits.requestTimeout))").serialized(close: true))
                        return .close
                    case .closed:
                        return .close
                    }
                }
                break
            }
            if !begin() {
                send(fd, HTTPResponse.error(503, path: head.path, message: "the run is ending").serialized(close: true))
                return .close
            }
            defer { end() }
            let limit: Int
            switch handler.screen(head) {
            case let .answer(early):
                // The body was not read; unless there is none, the stream is out of step.
                let keep = head.contentLength == 0 && head.keepAlive
                guard keep else { return refuse(fd, early) }
                send(fd, early.serialized(close: false))
                buffer.removeFirst(headLength)
                continue
            case let .read(routeLimit, trusted):
                limit = min(routeLimit, limits.maxBodyBytes)
                mark(fd, waiting: false, trusted: trusted)
            }
            guard head.contentLength <= limit else {
                return refuse(fd, HTTPResponse.error(413, path: head.path, message: "request body over \(limit) bytes"))
            }
            // Bodies are held whole until answered: their sum is bounded, and a client
            // over it is told to come back rather than waited for.
            guard reserveBody(head.contentLength) else {
                return refuse(fd, HTTPResponse.error(503, path: head.path, message: "too many request bodies in "
                    + "flight; retry"))
            }
            defer { releaseBody(head.contentLength) }
            let total = headLength + head.contentLength
            buffer.reserveCapacity(total)
            let bodyDeadline = deadline ?? (Self.now() + limits.requestTimeout)
            while buffer.count < total {
                switch receive(within: bodyDeadline - Self.now()) {
                case .data: continue
                case .timedOut:
                    send(fd, HTTPResponse.error(408, path: head.path, message: "request body not received within "
                        + "\(DurationFormat.sdk(limits.requestTimeout))").serialized(close: true))
                    return .close
                case .closed:
                    return .close
                }
            }
            let response = handler.respond(head, body: buffer[headLength..<total])
            buffer.removeFirst(total)
            // A big body's storage is not kept for the next request.
            if buffer.capacity > 1 << 20 { buffer = Array(buffer) }
            let keep = head.keepAlive && !isStopping
            guard send(fd, response.serialized(close: !keep)), keep else { return .close }
            mark(fd, waiting: true)
        }
    }

    /// Counts a request being answered; false once the listener is stopping.
    private func begin() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if stopping { return false }
        busy += 1
        return true
    }

    private func end() {
        condition.lock()
        busy -= 1
        condition.broadcast()
        condition.unlock()
    }

    private enum Received { case data, closed, timedOut }

    /// Reads what is there into `buffer` through `chunk`, waiting at most `seconds`.
    private func receive(_ fd: Int32, into buffer: inout [UInt8], via chunk: UnsafeMutableRawBufferPointer,
                         within seconds: Double) -> Received {
        let milliseconds = Int32(max(0, min(seconds, 3600)) * 1000)
        waiting: while true {
            switch Readiness.readable(fd, milliseconds: milliseconds) {
            case .ready: break waiting
            case .interrupted: continue
            case .timedOut: return .timedOut
            case .failed: return .closed
            }
        }
        let n = Descriptors.read(fd, into: chunk)
        if n <= 0 { return .closed }
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
        return .data
    }

    /// Writes all of `bytes`; false when the client is gone or stalled past the send
    /// timeout. MSG_NOSIGNAL: a vanished client must not raise SIGPIPE in the wrapper.
    @discardableResult
    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        TCPSocket.send(fd, bytes)
    }

    private static func now() -> Double {
        Double(Clock.monotonicMicroseconds()) / 1e6
    }
}

/// A socket call that failed while starting the listener.
struct ListenerError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call): \(errnoText(code))" }
}
