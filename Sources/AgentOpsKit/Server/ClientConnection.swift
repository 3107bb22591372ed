/// One client's connection to a `LoopbackServer`, on the thread that serves it: reads
/// held to the server's deadlines, the connection's place in the server's table
/// (waiting and evictable, or busy), the shared body budget, and refusals.
///
/// Deadlines are seconds on the monotonic clock (`ClientConnection.now()`). They
/// bound the receiving of a request only: what the server does with it and how long
/// its answer takes (an LLM's stream) is not timed here.
public final class ClientConnection {
    /// The connection's socket.
    public let fd: Int32
    /// Bytes received and not yet taken (the start of the next request, pipelined).
    public var pending: [UInt8] = []
    private let chunk: UnsafeMutableRawBufferPointer
    private let server: LoopbackServer

    init(fd: Int32, chunk: UnsafeMutableRawBufferPointer, server: LoopbackServer) {
        self.fd = fd
        self.chunk = chunk
        self.server = server
    }

    /// The server's limits.
    public var limits: LoopbackLimits { server.limits }

    /// Now, on the clock deadlines are given in.
    public static func now() -> Double { LoopbackServer.now() }

    /// What a wait for bytes gave.
    public enum Received: Sendable { case data, closed, timedOut }

    /// Reads what is there onto `pending`, waiting at most until `deadline`.
    public func receive(until deadline: Double) -> Received {
        waiting: while true {
            // Worked out again after an interrupted wait: a signal must not restart
            // the whole timeout.
            let milliseconds = Int32(max(0, min(deadline - Self.now(), 3600)) * 1000)
            switch Readiness.readable(fd, milliseconds: milliseconds) {
            case .ready: break waiting
            case .interrupted: continue
            case .timedOut: return .timedOut
            case .failed: return .closed
            }
        }
        let n = Descriptors.read(fd, into: chunk)
        if n <= 0 { return .closed }
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
        return .data
    }

    /// `pending`, leaving it empty: its buffer handed over, not copied.
    public func takePending() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &pending)
        return taken
    }

    /// What waiting for the next request's head gave.
    public enum Head<Parsed> {
        /// `parse` took the bytes; the request must arrive whole by `deadline`.
        case parsed(Parsed, deadline: Double)
        /// The connection is done: the client closed it, it stayed idle past the idle
        /// timeout, or its head did not arrive within the request timeout (the client
        /// was told so with a 408).
        case closed
    }

    /// Waits for the next request's head: `parse` is given `pending` each time bytes
    /// arrive and answers nil while the head is incomplete.
    ///
    /// The request's clock starts at its first byte (already here when the client
    /// pipelined it); before that the connection is idle, waited in slices of at most a
    /// second because the idle timeout shortens as soon as the connections fill up.
    public func nextHead<Parsed>(_ parse: (ArraySlice<UInt8>) -> Parsed?) -> Head<Parsed> {
        var deadline: Double? = pending.isEmpty ? nil : Self.now() + limits.requestTimeout
        let idleSince = Self.now()
        while true {
            if let parsed = parse(pending[...]) {
                return .parsed(parsed, deadline: deadline ?? Self.now() + limits.requestTimeout)
            }
            let wait = deadline ?? min(Self.now() + 1, idleSince + server.currentIdleTimeout)
            switch receive(until: wait) {
            case .data:
                if deadline == nil { deadline = Self.now() + limits.requestTimeout }
            case .timedOut where deadline == nil:
                if Self.now() - idleSince >= server.currentIdleTimeout { return .closed }
            case .timedOut:
                send(server.refusal(408, "request not received within \(DurationFormat.sdk(limits.requestTimeout))"))
                return .closed
            case .closed:
                return .closed
            }
        }
    }

    /// Reads until `pending` holds `count` bytes, at most until `deadline`.
    ///
    /// Room for them is made once: grown by appends, a 64 MiB body's buffer doubled to
    /// 128 MiB on the way (`count` is within the server's body limit).
    public func receive(count: Int, until deadline: Double) -> Received {
        if pending.count < count { pending.reserveCapacity(count + LoopbackServer.readChunkBytes) }
        while pending.count < count {
            let got = receive(until: deadline)
            guard got == .data else { return got }
        }
        return .data
    }

    /// Marks the connection busy with a request (never evicted then); `trusted` says
    /// the client proved itself, so it is the last to be evicted while idle after.
    public func markBusy(trusted: Bool? = nil) { server.mark(fd, waiting: false, trusted: trusted) }

    /// Marks the connection waiting for its next request.
    public func markWaiting() { server.mark(fd, waiting: true, trusted: nil) }

    /// Takes `bytes` from the body budget shared by all connections; false when it
    /// would go over (the caller refuses with 503).
    public func reserveBody(_ bytes: Int) -> Bool { server.reserveBody(bytes) }

    /// Gives back what `reserveBody` took.
    public func releaseBody(_ bytes: Int) { server.releaseBody(bytes) }

    /// Counts a request being answered, which the server's stop waits for; false once
    /// the server is stopping.
    public func beginRequest() -> Bool { server.begin() }

    /// Ends what `beginRequest` began.
    public func endRequest() { server.end() }

    /// Whether the server is stopping (no new request on this connection then).
    public var isStopping: Bool { server.isStopping }

    /// Writes all of `bytes`; false when the client is gone (or stalled past a send
    /// timeout). MSG_NOSIGNAL: a vanished client must not raise SIGPIPE in the wrapper.
    @discardableResult
    public func send(_ bytes: some Collection<UInt8>) -> Bool { TCPSocket.send(fd, bytes) }

    /// Answers `status` and `message` in the server's error shape with
    /// `Connection: close`, after which the connection lingers.
    public func refuse(_ status: Int, _ message: String) -> LoopbackServer.Ending {
        send(server.refusal(status, message))
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
    /// untrusted), and the server's stop shuts it.
    func linger() {
        TCPSocket.shutdownWrite(fd)
        server.mark(fd, waiting: true, trusted: false)
        Self.discard(fd, via: chunk, seconds: limits.lingerSeconds, bytes: limits.lingerBytes)
    }

    /// Reads and throws away what arrives on `fd` until the client closes it, `seconds`
    /// pass or `bytes` were read.
    static func discard(_ fd: Int32, via chunk: UnsafeMutableRawBufferPointer, seconds: Double, bytes: Int) {
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
}
