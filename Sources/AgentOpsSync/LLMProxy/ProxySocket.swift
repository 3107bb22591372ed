import AgentOpsKit
import Foundation
import Glibc

/// The few socket calls the LLM proxy makes, each retrying EINTR, none raising SIGPIPE.
enum ProxySocket {
    /// A listening TCP socket on 127.0.0.1 (`port` 0: any free port).
    ///
    /// - Returns: the descriptor and the port it got.
    static func listenLoopback(port: UInt16 = 0) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ProxyError.socket("socket: \(errnoText())") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let reason = errnoText()
            close(fd)
            throw ProxyError.socket("bind 127.0.0.1: \(reason)")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A TCP connection to `host`:`port`, given up after `timeout` seconds.
    static func connect(host: String, port: Int, timeout: Double) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ProxyError.upstream("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var reason = "no address"
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
                var pollFD = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if Descriptors.retryingEINTR({ poll(&pollFD, 1, Int32(timeout * 1000)) }) == 1 {
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
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            }
            reason = errnoText()
            close(fd)
        }
        throw ProxyError.upstream("cannot connect to \(host):\(port): \(reason)")
    }

    /// Reads what is there (blocking until something is).
    ///
    /// - Returns: the bytes; empty at the end of the stream or on an error.
    static func receive(_ fd: Int32, into buffer: inout [UInt8]) -> ArraySlice<UInt8> {
        let count = buffer.withUnsafeMutableBytes { raw in
            Descriptors.retryingEINTR { recv(fd, raw.baseAddress, raw.count, 0) }
        }
        return count > 0 ? buffer[0..<count] : []
    }

    /// Sends all of `bytes`; false when the peer is gone.
    @discardableResult
    static func send(_ fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
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

/// What goes wrong in the LLM proxy.
enum ProxyError: Error, CustomStringConvertible {
    /// The proxy's own socket.
    case socket(String)
    /// Reaching or reading the upstream API.
    case upstream(String)
    /// The client's request.
    case request(String)

    var description: String {
        switch self {
        case let .socket(text), let .upstream(text), let .request(text): return text
        }
    }
}
