import Glibc

/// The calls behind the session log and the session index: a regular file opened
/// without following a symbolic link or waiting on a FIFO, `flock`, `fstat`, the last
/// byte by `pread`, and `ftruncate` to cut a failed append back. Each takes the
/// descriptor `open(_:for:)` returned; the store keeps the order of calls that makes its
/// guarantees.
public enum LockedFile {
    /// How a file is opened.
    public enum Access: Sendable {
        /// Reading only.
        case read
        /// Reading and appending (`O_RDWR | O_APPEND`) to a file that must exist.
        case append
        /// Reading and appending, creating the file with `mode` when missing.
        case appendCreating(mode: UInt32)
    }

    /// Why `open(_:for:)` failed.
    public enum OpenFailure: Error, Sendable {
        /// `open` failed (for a symbolic link: `ELOOP`).
        case cannotOpen(SystemError)
        /// It opened but is not a regular file (a FIFO, a device, a folder).
        case notARegularFile
    }

    /// What `fstat` says about an open file.
    public struct Status: Sendable, Equatable {
        /// Its size in bytes.
        public let size: Int
        /// Whether its last name was removed while open (`st_nlink == 0`).
        public let isDeleted: Bool
    }

    /// Opens `path` with `O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC` and checks it is a regular
    /// file: a symlink planted in the store is refused rather than followed, and a FIFO
    /// cannot make the open wait. The descriptor is blocking again when returned.
    ///
    /// - Throws: `OpenFailure`; nothing is left open.
    public static func open(_ path: String, for access: Access) throws(OpenFailure) -> Int32 {
        let flags: Int32
        var mode: mode_t = 0
        switch access {
        case .read: flags = O_RDONLY
        case .append: flags = O_RDWR | O_APPEND
        case let .appendCreating(created):
            flags = O_RDWR | O_APPEND | O_CREAT
            mode = mode_t(created)
        }
        let fd = Glibc.open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, mode)
        guard fd >= 0 else { throw .cannotOpen(SystemError()) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .notARegularFile
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// The size and link count of the open file `fd`; nil when `fstat` fails (`errnoText()`
    /// right after says why).
    public static func status(_ fd: Int32) -> Status? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return Status(size: Int(info.st_size), isDeleted: info.st_nlink == 0)
    }

    /// Takes the exclusive `flock` on `fd`, waiting for it (retried on `EINTR`).
    ///
    /// - Returns: false when it could not be taken (`errnoText()` right after says why).
    public static func lock(_ fd: Int32) -> Bool {
        Descriptors.retryingEINTR { flock(fd, LOCK_EX) } == 0
    }

    /// Takes the exclusive `flock` on `fd` only if no one holds it (`LOCK_NB`).
    public static func tryLock(_ fd: Int32) -> Bool { flock(fd, LOCK_EX | LOCK_NB) == 0 }

    /// Releases the `flock` on `fd`.
    public static func unlock(_ fd: Int32) { flock(fd, LOCK_UN) }

    /// The byte at `offset` of `fd` (`pread`, leaving the file position alone); nil when
    /// there is none or it cannot be read.
    public static func byte(of fd: Int32, at offset: Int) -> UInt8? {
        guard offset >= 0 else { return nil }
        var byte: UInt8 = 0
        return pread(fd, &byte, 1, off_t(offset)) == 1 ? byte : nil
    }

    /// Cuts the file `fd` back to `size` bytes (`ftruncate`); false when it could not.
    @discardableResult
    public static func truncate(_ fd: Int32, to size: Int) -> Bool { ftruncate(fd, off_t(size)) == 0 }

    /// Moves `fd`'s position to `offset` from the start (`lseek`); false when it could
    /// not (`errnoText()` right after says why).
    public static func seek(_ fd: Int32, to offset: Int) -> Bool { lseek(fd, off_t(offset), SEEK_SET) >= 0 }
}

extension LockedFile {
    /// Opens (creating, owner-only) the lock file at `path` for `flock`, never through a
    /// symbolic link; nil when it cannot.
    public static func openLockFile(_ path: String) -> Int32? {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        return fd >= 0 ? fd : nil
    }

    /// The `count` bytes of `fd` at `offset` (`pread`, leaving the file position alone);
    /// nil when fewer are there or the read fails.
    public static func bytes(of fd: Int32, at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0 else { return nil }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = Descriptors.retryingEINTR {
                    pread(fd, buffer.baseAddress! + done, count - done, off_t(offset &+ done))
                }
                if n <= 0 { break }
                done += n
            }
            failed = done < count
            initialized = done
        }
        return failed ? nil : bytes
    }

    /// Opens the folder at `path` to stamp the files in it by name (`stamp(ofRegular:in:)`);
    /// nil when it cannot.
    public static func openFolder(_ path: String) -> Int32? {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }

    /// `stamp(ofRegular:)` of the file named `name` (NUL-terminated) in the folder open as
    /// `folder`, by `fstatat` without following a symbolic link: listing 100,000 logs
    /// stamps each by its name alone, with no path built and walked from the root.
    public static func stamp(ofRegular name: UnsafePointer<CChar>, in folder: Int32)
        -> (size: Int, mtime: Int, ctime: Int, inode: UInt64)? {
        var info = stat()
        guard fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG else {
            return nil
        }
        return (Int(info.st_size), Int(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int(info.st_mtim.tv_nsec),
                Int(info.st_ctim.tv_sec) &* 1_000_000_000 &+ Int(info.st_ctim.tv_nsec), UInt64(info.st_ino))
    }

    /// What tells one version of the regular file at `path` from another without
    /// reading it (`lstat`): size, change times in nanoseconds, inode; nil for a symbolic
    /// link, anything not a regular file, or nothing.
    public static func stamp(ofRegular path: String) -> (size: Int, mtime: Int, ctime: Int, inode: UInt64)? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return (Int(info.st_size), Int(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int(info.st_mtim.tv_nsec),
                Int(info.st_ctim.tv_sec) &* 1_000_000_000 &+ Int(info.st_ctim.tv_nsec), UInt64(info.st_ino))
    }
}
