import Glibc

/// The TCP calls of the loopback servers and their upstream connections, each
/// retrying EINTR, none raising SIGPIPE (`MSG_NOSIGNAL`), every descriptor
/// close-on-exec (`SOCK_CLOEXEC`) so no command inherits one.
///
/// `MSG_NOSIGNAL` and `SOCK_CLOEXEC` are Linux's: a port uses `SO_NOSIGPIPE` and
/// `fcntl` instead, here.
public enum TCPSocket {
    /// Why a socket could not be set up; the text is the message a user sees.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// `socket` failed.
        case socket(SystemError)
        /// `bind` or `listen` on 127.0.0.1 failed.
        case bind(SystemError)
        /// The host name did not resolve (the resolver's text).
        case resolve(host: String, reason: String)
        /// No address of the host accepted a connection in time (the last address's
        /// error; nil when the host had no address to try).
        case connect(host: String, port: Int, error: SystemError?)

        /// The message a user sees: the call and the system's reason.
        public var description: String {
            switch self {
            case let .socket(error): return "socket: \(error)"
            case let .bind(error): return "bind 127.0.0.1: \(error)"
            case let .resolve(host, reason): return "cannot resolve \(host): \(reason)"
            case let .connect(host, port, error):
                return "cannot connect to \(host):\(port): \(error.map(\.description) ?? "no address")"
            }
        }
    }

    /// A listening TCP socket on 127.0.0.1 (`port` 0: any free port).
    ///
    /// - Returns: the descriptor and the port it got.
    public static func listenLoopback(port: UInt16 = 0, backlog: Int32) throws(Failure) -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socket(SystemError()) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, backlog) == 0 else {
            let error = SystemError()
            close(fd)
            throw .bind(error)
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// What one `accept` gave.
    public enum Accepted: Equatable {
        /// A new connection, close-on-exec.
        case connection(Int32)
        /// Nothing this time (a signal, or a client that gave up first): accept again.
        case retry
        /// The process or system is out of descriptors: wait a moment, then accept again.
        case outOfDescriptors
        /// The listening socket is shut down or broken: stop accepting.
        case failed(SystemError)
    }

    /// Accepts one connection on the listening socket `fd`, blocking until one comes.
    public static func accept(_ fd: Int32) -> Accepted {
        let connection = Glibc.accept(fd, nil, nil)
        guard connection < 0 else {
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            return .connection(connection)
        }
        switch errno {
        case EINTR, ECONNABORTED: return .retry
        case EMFILE, ENFILE: return .outOfDescriptors
        default: return .failed(SystemError())
        }
    }

    /// A TCP connection to `host`:`port`, trying each address it resolves to, each
    /// given up after `timeout` seconds.
    public static func connect(host: String, port: Int, timeout: Double) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .resolve(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        // Whole milliseconds, held to what poll takes: the timeout is ours, but a
        // conversion must not trap.
        let milliseconds = Int32(max(0, min(timeout * 1000, Double(Int32.max))))
        var failure: SystemError?
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                            info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            // Non-blocking only while connecting, so the timeout holds.
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var result = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
            if result != 0, errno == EINPROGRESS {
                var readiness = Readiness.writable(fd, milliseconds: milliseconds)
                while readiness == .interrupted { readiness = Readiness.writable(fd, milliseconds: milliseconds) }
                if readiness == .ready {
                    var error: Int32 = 0
                    var size = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
                    result = error == 0 ? 0 : -1
                    errno = error
                } else {
                    errno = ETIMEDOUT
                }
            }
            if result == 0 {
                _ = fcntl(fd, F_SETFL, flags)
                setNoDelay(fd)
                return fd
            }
            failure = SystemError()
            close(fd)
        }
        throw .connect(host: host, port: port, error: failure)
    }

    /// Sends each small write at once (`TCP_NODELAY`): the servers write whole
    /// responses or stream chunks that a client waits for.
    public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Makes a `receive` that waits longer than `seconds` fail (`SO_RCVTIMEO`).
    public static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Shuts both directions of `fd` down: a thread blocked in `accept` or `receive`
    /// on it returns at once (closing it would not wake that thread).
    public static func shutdown(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Shuts the sending side of `fd` down (a FIN after what was sent) while it can still
    /// be read: a server refusing a request answers, then reads what the client is still
    /// sending, so that closing does not reset the connection under its answer.
    public static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads what is there (blocking until something is).
    ///
    /// - Returns: the bytes; empty at the end of the stream or on an error.
    public static func receive(_ fd: Int32, into buffer: inout [UInt8]) -> ArraySlice<UInt8> {
        let count = buffer.withUnsafeMutableBytes { raw in
            Descriptors.retryingEINTR { recv(fd, raw.baseAddress, raw.count, 0) }
        }
        return count > 0 ? buffer[0..<count] : []
    }

    /// Sends all of `bytes`; false when the peer is gone (`errno` then says why).
    @discardableResult
    public static func send(_ fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let sent = array.withUnsafeBytes { raw in
                Descriptors.retryingEINTR {
                    Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }
}
