import Glibc

/// The descriptor calls the supervisor makes around a command: duplicating, checking,
/// sizing pipes, and reading what a pipe holds.
extension Descriptors {
    /// A close-on-exec copy of `fd` numbered 3 or above; -1 with `errno` set.
    public static func duplicate(_ fd: Int32) -> Int32 { fcntl(fd, F_DUPFD_CLOEXEC, 3) }

    /// Whether `fd` is an open descriptor (`F_GETFD` succeeds).
    public static func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) != -1 }

    /// Opens `/dev/null` on `fd` if it is closed (`EBADF`), for writing unless it is 0.
    public static func openNullIfClosed(_ fd: Int32) {
        guard fcntl(fd, F_GETFD) == -1, errno == EBADF else { return }
        let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
        if null >= 0, null != fd {
            dup2(null, fd)
            Glibc.close(null)
        }
    }

    /// Sends what the socket `fd` takes now of `bytes`, without waiting: the count sent,
    /// 0 when it is full, -1 with `errno` set when it failed.
    public static func sendWithoutWaiting(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        let sent = retryingEINTR { send(fd, base, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        return sent >= 0 ? sent : errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1
    }

    /// Asks for a pipe buffer of `bytes` on the pipe `fd` (`F_SETPIPE_SZ`, which Glibc's
    /// Swift overlay does not export); the kernel may refuse and keep its default.
    public static func setPipeBuffer(_ fd: Int32, bytes: Int32) {
        _ = fcntl(fd, fcntlSetPipeSize, bytes)
    }

    private static let fcntlSetPipeSize: Int32 = 1031

    /// How many bytes the pipe or terminal `fd` holds right now (`FIONREAD`); nil
    /// when it cannot say.
    public static func bytesAvailable(_ fd: Int32) -> Int? {
        var available: Int32 = 0
        guard ioctl(fd, UInt(FIONREAD), &available) == 0 else { return nil }
        return Int(available)
    }

    /// The device and inode of `fd` when it is a pipe or a character device (a
    /// terminal); nil for anything else (files, closed descriptors).
    public static func streamIdentity(_ fd: Int32) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let type = info.st_mode & S_IFMT
        guard type == S_IFIFO || type == S_IFCHR else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// Whether `fd` is a pipe or FIFO.
    public static func isPipe(_ fd: Int32) -> Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO
    }

    /// A connected pair of Unix stream sockets, both close-on-exec; nil with `errno` set.
    public static func socketPair() -> (Int32, Int32)? {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            return nil
        }
        return (pair[0], pair[1])
    }
}

extension SystemError {
    /// A non-blocking descriptor had nothing to give (`EAGAIN`).
    public var isWouldBlock: Bool { code == EAGAIN || code == EWOULDBLOCK }
    /// The reader of a pipe went away (`EPIPE`).
    public var isBrokenPipe: Bool { code == EPIPE }
    /// A FIFO no one reads, or a socket, opened for writing without waiting (`ENXIO`).
    public var isNoReader: Bool { code == ENXIO }
    /// `Files.replace` refused to write into a block device (`ENOTBLK`, its own use).
    public var isRefusedBlockDevice: Bool { code == ENOTBLK }
    /// The path or one of its folders does not exist (`ENOENT`, `ENOTDIR`).
    public var isNoSuchFile: Bool { code == ENOENT || code == ENOTDIR }
}
