import Glibc

extension TCPSocket {
    /// What a send or receive held to a deadline gave.
    public enum Transfer: Equatable, Sendable {
        /// Done: for a receive, how many bytes arrived (0: the peer closed its side).
        case done(Int)
        /// The deadline passed first.
        case timedOut
        /// The connection failed (reset, broken pipe, …).
        case failed(SystemError)
    }

    /// Sends all of `bytes` before `deadline` (`Clock.monotonicMicroseconds()`), waiting
    /// for room with `poll` so that a peer that stops reading costs no more than the
    /// deadline; the socket may stay blocking, each send is `MSG_DONTWAIT`.
    public static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, until deadline: Int64) -> Transfer {
        var offset = 0
        while offset < bytes.count {
            // Checked on every pass, as in `receive`: a peer reading slowly but steadily
            // must not stretch the deadline.
            guard Clock.monotonicMicroseconds() < deadline else { return .timedOut }
            let sent = Descriptors.retryingEINTR {
                Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                offset += sent
                continue
            }
            guard sent < 0, errno == EAGAIN || errno == EWOULDBLOCK else { return .failed(SystemError()) }
            switch wait(fd, writable: true, until: deadline) {
            case .ready: continue
            case .timedOut: return .timedOut
            case let .failed(error): return .failed(error)
            case .interrupted: continue
            }
        }
        return .done(offset)
    }

    /// Receives what arrives into `buffer` (at most its size) before `deadline`.
    ///
    /// The deadline is checked before every `recv`, not only when nothing is there: a
    /// peer that never stops sending (an endless run of `100 Continue` heads, endless
    /// trailer lines, none of which a reader keeps) would otherwise hold the caller
    /// past its deadline for ever.
    public static func receive(_ fd: Int32, into buffer: inout [UInt8], until deadline: Int64) -> Transfer {
        guard Clock.monotonicMicroseconds() < deadline else { return .timedOut }
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                Descriptors.retryingEINTR { recv(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT)) }
            }
            if count >= 0 { return .done(count) }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return .failed(SystemError()) }
            switch wait(fd, writable: false, until: deadline) {
            case .ready, .interrupted: continue
            case .timedOut: return .timedOut
            case let .failed(error): return .failed(error)
            }
        }
    }

    /// Whether `fd`, a kept-alive connection with no request outstanding, is still worth
    /// sending on: nothing to read and no hang-up. A server that closed it while idle
    /// has sent its FIN (readable, `recv` gives 0), so it is dropped before a request is
    /// spent on it.
    public static func isIdleAndOpen(_ fd: Int32) -> Bool {
        if case .timedOut = Readiness.readable(fd, milliseconds: 0) { return true }
        return false
    }

    /// Polls `fd` until it is ready or `deadline` passes; whole milliseconds, rounded up
    /// so a wait never spins on a zero timeout before the deadline.
    private static func wait(_ fd: Int32, writable: Bool, until deadline: Int64) -> Readiness {
        let left = deadline - Clock.monotonicMicroseconds()
        guard left > 0 else { return .timedOut }
        let milliseconds = Int32(min((left + 999) / 1000, Int64(Int32.max)))
        return writable ? Readiness.writable(fd, milliseconds: milliseconds)
            : Readiness.readable(fd, milliseconds: milliseconds)
    }
}

extension TCPSocket.Failure {
    /// Whether the host answered the connection with a refusal (nothing listens there).
    public var isRefused: Bool { connectError?.code == ECONNREFUSED }

    /// Whether connecting ran out of time.
    public var isTimedOut: Bool { connectError?.code == ETIMEDOUT }

    private var connectError: SystemError? {
        if case let .connect(_, _, error) = self { return error }
        return nil
    }
}

extension SystemError {
    /// Whether the peer reset or closed the connection under a send or receive
    /// (`ECONNRESET`, `EPIPE`): a kept-alive connection the server dropped.
    public var isConnectionLost: Bool { code == ECONNRESET || code == EPIPE || code == ECONNABORTED }
}
