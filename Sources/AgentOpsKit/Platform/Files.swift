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
    /// - Throws: the error of the `open` or `write` that failed.
    public static func append(_ bytes: [UInt8], to path: String) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError() }
        defer { close(fd) }
        guard Descriptors.writeAll(bytes, to: fd) == bytes.count else { throw SystemError() }
    }

    /// Replaces `path` with `bytes` whole: written to `path.tmpPID` and renamed over
    /// it, so a reader sees the old file or the new one, never half of one.
    ///
    /// - Throws: the error of the call that failed; the temporary file is removed.
    public static func replace(_ path: String, with bytes: [UInt8]) throws(SystemError) {
        let temporary = path + ".tmp\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
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
