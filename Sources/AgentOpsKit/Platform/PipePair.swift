import Glibc

/// A pipe whose ends are close-on-exec.
///
/// `pipe2` is not exported by Swift's Glibc module, so the flag is set right after
/// `pipe`. The brief window does not leak: Foundation's spawn closes every descriptor
/// above 2 in the child except its own socket, and nothing else here forks.
struct PipePair {
    let read: Int32
    let write: Int32

    /// A new pipe; `nonBlockingWrite` makes the write end non-blocking.
    ///
    /// - Returns: nil when the process is out of descriptors.
    static func make(nonBlockingWrite: Bool = false) -> PipePair? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        if nonBlockingWrite { _ = fcntl(fds[1], F_SETFL, O_NONBLOCK) }
        return PipePair(read: fds[0], write: fds[1])
    }
}
