import Foundation

/// What both loopback servers of a run share, the SDK listener and the LLM proxy: a
/// socket on 127.0.0.1 at a port the kernel picks, one thread that accepts, one thread
/// per connection (the work is blocking reads and writes), and the bounds that keep
/// local clients from making the wrapper misbehave (`LoopbackLimits`).
///
/// At `maxConnections`, a new connection takes the place of the oldest one waiting for
/// a request that was never trusted (then of the oldest trusted one idle between
/// requests); when none is waiting it gets 503. So local processes holding idle
/// connections cannot lock a real client out, and threads stay bounded. That 503 (and
/// the one for a connection no thread or read buffer can be had for) drains what the
/// client already sent for a moment rather than lingering on a thread of its own.
/// What each connection's requests are and how they are answered is the server's
/// user's: `start(serving:)` gets a `ClientConnection`, which reads with the deadlines.
///
/// `@unchecked Sendable`: the connection table, the body budget, the busy count and the
/// stopping flag are guarded by `condition`; the socket and limits are immutable.
public final class LoopbackServer: @unchecked Sendable {
    /// How a connection's requests ended: closed at once, or after a refusal whose
    /// request body may still be on its way (`ClientConnection.linger`).
    public enum Ending: Sendable { case close, linger }

    /// Where a connection is, for choosing one to close when all are taken.
    private struct Connection {
        /// Waiting for (or reading the head of) a request since this instant; nil
        /// while a request is read or answered (never evicted then).
        var waitingSince: Double?
        /// The client proved itself (a key; a call served), so its connection is the
        /// last to be evicted.
        var trusted = false
    }

    /// The port it listens on, on 127.0.0.1.
    public let port: UInt16
    public let limits: LoopbackLimits
    private let listenFD: Int32
    private let name: String
    private let makeRefusal: @Sendable (Int, String) -> [UInt8]
    private let configure: @Sendable (Int32) -> Void
    private let condition = NSCondition()
    private var connections: [Int32: Connection] = [:]
    private var bodyBytesInFlight = 0
    private var busy = 0
    private var stopping = false

    /// Binds 127.0.0.1 on a free port and starts listening; `start` begins accepting
    /// (connections made before wait in the backlog).
    ///
    /// - Parameters:
    ///   - name: the threads' name (`NAME`, `NAME-connection`).
    ///   - refusal: the bytes of an answer with `status` and a message, in the server's
    ///     own error shape, with `Connection: close`.
    ///   - configure: socket options for each accepted connection.
    /// - Throws: the socket call that failed.
    public init(name: String, limits: LoopbackLimits, backlog: Int32,
                refusal: @escaping @Sendable (_ status: Int, _ message: String) -> [UInt8],
                configure: @escaping @Sendable (Int32) -> Void) throws(TCPSocket.Failure) {
        (listenFD, port) = try TCPSocket.listenLoopback(backlog: backlog)
        self.name = name
        self.limits = limits
        makeRefusal = refusal
        self.configure = configure
    }

    /// The stack of the accepting thread and of each connection's
    /// (`PlainThread.clientStackSize`, which says why).
    public static let threadStackSize = PlainThread.clientStackSize

    /// Starts the accepting thread, which hands each connection to `serving` on a thread
    /// of its own and closes it once `serving` returns (after lingering if asked).
    /// Without a thread (`ulimit -u`) the socket is closed at once, so clients are
    /// refused instead of waiting for an answer, and the result is false.
    public func start(serving: @escaping @Sendable (ClientConnection) -> Ending) -> Bool {
        let started = PlainThread.start(name: name, stackSize: Self.threadStackSize) { [self] in
            acceptLoop(serving)
        }
        guard !started else { return true }
        condition.lock()
        stopping = true
        condition.unlock()
        Descriptors.close(listenFD)
        return false
    }

    /// Stops accepting, lets requests being answered finish for up to `grace` seconds,
    /// then closes every connection. Idempotent.
    public func stop(grace: Double) {
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

    /// Bytes read from a connection at once.
    static let readChunkBytes = 65536

    private func acceptLoop(_ serving: @escaping @Sendable (ClientConnection) -> Ending) {
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
            configure(fd)
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
            let served = PlainThread.start(name: name + "-connection", stackSize: Self.threadStackSize) { [self] in
                serve(fd, via: chunk, serving)
            }
            if !served {
                // No thread to serve it (`ulimit -u`, or no room for its stack under
                // `ulimit -v`): refused as when too many are open.
                chunk.free()
                forget(fd)
                refuseAtAccept(fd, "no thread to serve this connection", via: drainChunk)
            }
        }
    }

    /// One connection's thread: `serving`, then a linger if it refused a request whose
    /// body may still come (outside any request: a run that ends does not wait for it).
    private func serve(_ fd: Int32, via buffer: FallibleBuffer, _ serving: (ClientConnection) -> Ending) {
        defer {
            forget(fd)
            Descriptors.close(fd)
            buffer.free()
        }
        let connection = ClientConnection(fd: fd, chunk: buffer.bytes, server: self)
        if serving(connection) == .linger, !isStopping { connection.linger() }
    }

    /// Drops `fd` from the connection table.
    private func forget(_ fd: Int32) {
        condition.lock()
        connections[fd] = nil
        condition.unlock()
    }

    /// Answers 503 with `message` on the accepting thread, drains briefly and closes.
    private func refuseAtAccept(_ fd: Int32, _ message: String, via chunk: UnsafeMutableRawBufferPointer) {
        _ = TCPSocket.send(fd, makeRefusal(503, message))
        drainBriefly(fd, via: chunk)
        Descriptors.close(fd)
    }

    /// After a 503 on the accepting thread: the answer is followed by a FIN, and what the
    /// client has already sent (usually its whole request, up to `refusedDrainBytes`) is
    /// read within `refusedDrainMilliseconds`, so that closing does not reset the
    /// connection and lose the answer. Shorter than a linger: no thread is spared for a
    /// client refused because all are taken, and the accepting thread must get back to
    /// the queue.
    private func drainBriefly(_ fd: Int32, via chunk: UnsafeMutableRawBufferPointer) {
        TCPSocket.shutdownWrite(fd)
        ClientConnection.discard(fd, via: chunk, seconds: Double(Self.refusedDrainMilliseconds) / 1000,
                                 bytes: Self.refusedDrainBytes)
    }

    /// Bounds of `drainBriefly`.
    private static let refusedDrainMilliseconds = 50
    private static let refusedDrainBytes = 1 << 20

    /// The answer with `status` and `message` in the server's error shape.
    func refusal(_ status: Int, _ message: String) -> [UInt8] { makeRefusal(status, message) }

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
    func mark(_ fd: Int32, waiting: Bool, trusted: Bool?) {
        condition.lock()
        defer { condition.unlock() }
        guard var state = connections[fd] else { return }
        state.waitingSince = waiting ? Self.now() : nil
        if let trusted { state.trusted = trusted }
        connections[fd] = state
    }

    /// How long a connection may stay idle now: short once more than half of
    /// `maxConnections` are taken, so that idle clients make room quickly.
    var currentIdleTimeout: Double {
        condition.lock()
        defer { condition.unlock() }
        return connections.count > limits.maxConnections / 2 ? min(limits.busyIdleTimeout, limits.idleTimeout)
            : limits.idleTimeout
    }

    /// Takes `bytes` from the body budget; false when it would go over.
    func reserveBody(_ bytes: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard bytes <= limits.bodyBudget - bodyBytesInFlight else { return false }
        bodyBytesInFlight += bytes
        return true
    }

    func releaseBody(_ bytes: Int) {
        condition.lock()
        bodyBytesInFlight -= bytes
        condition.unlock()
    }

    /// Counts a request being answered; false once the server is stopping.
    func begin() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if stopping { return false }
        busy += 1
        return true
    }

    func end() {
        condition.lock()
        busy -= 1
        condition.broadcast()
        condition.unlock()
    }

    var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    static func now() -> Double {
        Double(Clock.monotonicMicroseconds()) / 1e6
    }
}
