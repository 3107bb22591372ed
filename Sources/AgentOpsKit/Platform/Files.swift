import Glibc

/// What `stat(2)` says about a path: the few facts the reading tools decide on.
public struct FileStatus: Sendable, Equatable {
    /// What kind of file it is.
    public enum Kind: Sendable, Equatable { case regular, directory, symbolicLink, other }

    /// Regular file, directory, symbolic link (only for `Files.linkStatus`, which does
    /// not follow one) or anything else.
    public let kind: Kind
    /// Its size in bytes.
    public let size: Int64
    /// When its contents last changed, in whole seconds since the epoch.
    public let modifiedSeconds: Int64
    /// The nanoseconds past `modifiedSeconds` (0..<1,000,000,000).
    public let modifiedNanoseconds: Int64

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        size = Int64(info.st_size)
        modifiedSeconds = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
    }
}

/// Whole-file operations on paths, each the one careful sequence of calls it needs.
public enum Files {
    /// The status of `path`, following symbolic links; nil when it cannot be read.
    public static func status(_ path: String) -> FileStatus? {
        try? statusOrError(path).get()
    }

    /// The status of what is at `path` itself, a symbolic link not followed (`lstat`);
    /// nil when nothing is, or it cannot be read.
    public static func linkStatus(_ path: String) -> FileStatus? {
        var info = stat()
        return lstat(path, &info) == 0 ? FileStatus(info) : nil
    }

    /// Appends `bytes` to `path`, creating it (mode 0644 before the umask) if needed:
    /// one `O_APPEND` descriptor, so lines other writers append are not overwritten.
    ///
    /// Opened without waiting: a FIFO with no reader is refused at once (ENXIO), where
    /// the open waited for a reader for ever, deaf to SIGTERM (`GITHUB_STEP_SUMMARY` as a
    /// FIFO, hostile pass, round 13). What is not a regular file (a FIFO, a terminal) is
    /// written as it takes the bytes, for at most `patience` milliseconds in all.
    ///
    /// - Throws: the error of the `open` or `write` that failed; EAGAIN when a reader
    ///   took no more within `patience`.
    public static func append(_ bytes: [UInt8], to path: String, patience: Int = 2000) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o644)
        guard fd >= 0 else { throw SystemError() }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError() }
        if info.st_mode & S_IFMT == S_IFREG {
            // A regular file never makes a write wait; blocking, so a full disk is an error.
            _ = fcntl(fd, F_SETFL, O_APPEND)
            guard Descriptors.writeAll(bytes, to: fd) == bytes.count else { throw SystemError() }
            return
        }
        let deadline = Clock.monotonicMicroseconds() + Int64(patience) * 1000
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n > 0 {
                offset += n
                continue
            }
            guard n < 0, errno == EAGAIN || errno == EINTR else { throw SystemError() }
            let left = (deadline - Clock.monotonicMicroseconds()) / 1000
            guard left > 0 else { throw SystemError(code: EAGAIN) }
            _ = Readiness.writable(fd, milliseconds: Int32(min(left, 1000)))
        }
    }

    /// Replaces `path` with `bytes` whole: written to `path.tmpPID` and renamed over
    /// it, so a reader sees the old file or the new one, never half of one. What is
    /// there and is no regular file or folder (`/dev/null`, `/dev/stdout`, a FIFO) is
    /// written into instead, as `cp` does: renamed over, root's `/dev/null` became a
    /// regular file for the whole machine (`report -o /dev/null`, hostile pass, round 14).
    ///
    /// - Throws: the error of the call that failed; the temporary file is removed. A
    ///   FIFO no one reads is refused at once (ENXIO), a block device always (ENOTBLK).
    public static func replace(_ path: String, with bytes: [UInt8]) throws(SystemError) {
        if try writeIntoSpecialFile(path, bytes) { return }
        let temporary = path + ".tmp\(getpid())"
        // Never through what stands at the temporary name (a link planted there, or left
        // by an earlier process of this pid).
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw SystemError() }
        guard Descriptors.writeAll(bytes, to: fd) == bytes.count else {
            let error = SystemError()
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0, rename(temporary, path) == 0 else {
            let error = SystemError()
            unlink(temporary)
            throw error
        }
    }

    /// Writes `bytes` into what `path` opens to when it is a device, FIFO or socket,
    /// waiting for it to take them; false, having written nothing, when it is anything
    /// else or cannot be opened for writing (the caller renames a file over it).
    ///
    /// Decided on what was opened (`fstat`), never on a look at the path before: a link
    /// swapped between the look and the open made root write the report over the start of
    /// any file (second hostile pass, round 14). Opened without waiting for a FIFO's
    /// reader, and without truncating: a regular file opened here is left as it was.
    ///
    /// - Throws: ENXIO for a FIFO no one reads (or a socket); ENOTBLK
    ///   (`isRefusedBlockDevice`) for a block device; the error of the write.
    private static func writeIntoSpecialFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ENXIO { throw SystemError() }
            return false
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        // A disk is no place for a report, and renamed over, its node would be lost.
        if type == S_IFBLK { throw SystemError(code: ENOTBLK) }
        guard type == S_IFIFO || type == S_IFCHR || type == S_IFSOCK else { return false }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        guard Descriptors.writeAll(bytes, to: fd) == bytes.count else { throw SystemError() }
        return true
    }

    /// The last `limit` bytes of the file at `path` (all of it when smaller), read
    /// through one descriptor without following a final symbolic link, and the offset
    /// they start at; nil when it cannot be opened.
    public static func tail(of path: String, limit: Int) -> (bytes: [UInt8], offset: Int)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        let size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        let from = max(0, size - max(0, limit))
        var bytes = [UInt8](repeating: 0, count: size - from)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(from)) }
        bytes.removeLast(bytes.count - max(0, count))
        return (bytes, from)
    }
}
