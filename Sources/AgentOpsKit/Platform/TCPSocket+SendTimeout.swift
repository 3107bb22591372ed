import Glibc

extension TCPSocket {
    /// Makes a `send` that waits longer than `seconds` fail (`SO_SNDTIMEO`): a client
    /// that stops reading cannot hold a server thread for ever.
    public static func setSendTimeout(_ fd: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
}
