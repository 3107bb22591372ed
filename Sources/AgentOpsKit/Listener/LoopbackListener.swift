import Foundation
import Glibc

/// What the listener serves: a screen on the head (before any body is read, so an
/// unauthorised or unknown request never makes it buffer a body) and the answer.
protocol HTTPHandler: Sendable {
    /// An answer that ends the request now, or nil to read the body and `respond`.
    func screen(_ head: HTTPRequestHead) -> HTTPResponse?
    /// The answer to a whole request.
    func respond(_ head: HTTPRequestHead, body: [UInt8]) -> HTTPResponse
}

/// A small HTTP/1.1 server on 127.0.0.1 only, on a port the kernel picks: one thread
/// accepts, one thread serves each connection (the SDK keeps one or two open).
///
/// It must never be the reason a run misbehaves, so every client is bounded: a
/// request must arrive whole within `requestTimeout` of its first byte (slowloris), an
/// idle keep-alive connection is closed after `idleTimeout`, heads and bodies have size
/// limits (431, 413), answers are written with a send timeout and without SIGPIPE, and
/// connections beyond `maxConnections` get 503 at once.
final class LoopbackListener: @unchecked Sendable {
    /// Bounds on what one client can make the listener do.
    struct Limits: Sendable {
        var requestTimeout: Double = 10
        var idleTimeout: Double = 30
        var maxHeadBytes = 64 << 10
        var maxBodyBytes = 32 << 20
        var maxConnections = 32
    }

    /// The port it listens on, on 127.0.0.1.
    let port: UInt16
    private let listenFD: Int32
    private let handler: HTTPHandler
    private let limits: Limits
    private let condition = NSCondition()
    private var connections = Set<Int32>()
    private var busy = 0
    private var stopping = false

    /// Binds 127.0.0.1 on a free port and starts listening; `start` begins accepting
    /// (connections made before wait in the backlog).
    ///
    /// - Throws: `StoreError.system` naming the call that failed.
    init(handler: HTTPHandler, limits: Limits = Limits()) throws {
        self.handler = handler
        self.limits = limits
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ListenerError(call: "socket", code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw ListenerError(call: bound == 0 ? "listen" : "bind", code: code)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listenFD = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    /// The base URL clients use.
    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Starts the accepting thread.
    func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "agentops-listener"
        thread.start()
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
        shutdown(listenFD, Int32(SHUT_RDWR))
        let deadline = Date(timeIntervalSinceNow: grace)
        while busy > 0, condition.wait(until: deadline) {}
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        condition.unlock()
    }

    private func acceptLoop() {
        defer { close(listenFD) }
        while true {
            // accept4 is not visible to Swift; the close-on-exec flag follows at once
            // (and Foundation's launcher closes stray descriptors in its children too).
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE {
                    if errno == EMFILE || errno == ENFILE { usleep(10_000) }
                    if isStopping { return }
                    continue
                }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var timeout = timeval(tv_sec: Int(limits.requestTimeout), tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            condition.lock()
            let refuse = stopping || connections.count >= limits.maxConnections
            if !refuse { connections.insert(fd) }
            condition.unlock()
            if refuse {
                send(fd, HTTPResponse.error(503, path: "", message: "too many connections").serialized(close: true))
                close(fd)
                continue
            }
            let thread = Thread { [self] in serve(fd) }
            thread.name = "agentops-listener-connection"
            thread.start()
        }
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Serves requests on one connection until the client closes it, asks to, stalls,
    /// or sends something that puts the stream out of step.
    private func serve(_ fd: Int32) {
        defer {
            condition.lock()
            connections.remove(fd)
            condition.unlock()
            close(fd)
        }
        var buffer: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { chunk.deallocate() }
        func receive(within seconds: Double) -> Received { self.receive(fd, into: &buffer, via: chunk, within: seconds) }
        while true {
            // The head. The request's clock starts at its first byte (already here when
            // the client pipelined it); before that the connection is idle.
            var deadline: Double? = buffer.isEmpty ? nil : Self.now() + limits.requestTimeout
            let head: HTTPRequestHead
            let headLength: Int
            while true {
                switch HTTPRequestParser.parse(buffer[...], maxHeadBytes: limits.maxHeadBytes,
                                               maxBodyBytes: limits.maxBodyBytes) {
                case let .head(parsed, length):
                    head = parsed
                    headLength = length
                case let .failure(failure):
                    send(fd, HTTPResponse.error(failure.status, path: "", message: failure.message).serialized(close: true))
                    return
                case .incomplete:
                    let wait = deadline.map { $0 - Self.now() } ?? limits.idleTimeout
                    switch receive(within: wait) {
                    case .data:
                        if deadline == nil { deadline = Self.now() + limits.requestTimeout }
                        continue
                    case .timedOut where deadline != nil:
                        send(fd, HTTPResponse.error(408, path: "", message: "request not received within "
                            + "\(DurationFormat.sdk(limits.requestTimeout))").serialized(close: true))
                        return
                    case .timedOut, .closed:
                        return
                    }
                }
                break
            }
            if !begin() {
                send(fd, HTTPResponse.error(503, path: head.path, message: "the run is ending").serialized(close: true))
                return
            }
            defer { end() }
            if let early = handler.screen(head) {
                // The body was not read; unless there is none, the stream is out of step.
                let keep = head.contentLength == 0 && head.keepAlive
                send(fd, early.serialized(close: !keep))
                guard keep else { return }
                buffer.removeFirst(headLength)
                continue
            }
            let total = headLength + head.contentLength
            let bodyDeadline = deadline ?? (Self.now() + limits.requestTimeout)
            while buffer.count < total {
                switch receive(within: bodyDeadline - Self.now()) {
                case .data: continue
                case .timedOut:
                    send(fd, HTTPResponse.error(408, path: head.path, message: "request body not received within "
                        + "\(DurationFormat.sdk(limits.requestTimeout))").serialized(close: true))
                    return
                case .closed:
                    return
                }
            }
            let body = Array(buffer[headLength..<total])
            buffer.removeFirst(total)
            let response = handler.respond(head, body: body)
            let keep = head.keepAlive && !isStopping
            guard send(fd, response.serialized(close: !keep)), keep else { return }
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
        var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, min(seconds, 3600)) * 1000)
        while true {
            let ready = poll(&pollFD, 1, milliseconds)
            if ready < 0, errno == EINTR { continue }
            if ready == 0 { return .timedOut }
            if ready < 0 { return .closed }
            break
        }
        while true {
            let n = recv(fd, chunk.baseAddress, chunk.count, 0)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return .closed }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            return .data
        }
    }

    /// Writes all of `bytes`; false when the client is gone or stalled past the send
    /// timeout. MSG_NOSIGNAL: a vanished client must not raise SIGPIPE in the wrapper.
    @discardableResult
    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// A socket call that failed while starting the listener.
struct ListenerError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call): \(String(cString: strerror(code)))" }
}
