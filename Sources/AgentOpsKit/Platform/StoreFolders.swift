import Glibc

/// What `stat(2)` or `lstat(2)` says about a store folder: the facts that decide
/// whether session files may be written into it.
public struct FolderStatus: Sendable, Equatable {
    /// Whether it is a directory (for `lstat`, a symbolic link to one is not).
    public let isDirectory: Bool
    /// The user id that owns it.
    public let owner: UInt32
    /// Whether its owner is this process's effective user.
    public let isOwnedByMe: Bool
    /// Whether its group or others may write to it.
    public let isWritableByOthers: Bool
}

/// The path-level calls of the local store: private folders and files, their owner and
/// mode, removing and renaming. Kept here so the store reads as its guarantees, not as
/// C library calls.
public enum StoreFolders {
    /// Creates `path` as a folder only its owner may use (mode 0700 before the umask);
    /// a folder or anything else already there is left alone for the caller to check.
    ///
    /// - Throws: the error of `mkdir` unless it is `EEXIST`.
    public static func makePrivateFolder(_ path: String) throws(SystemError) {
        if mkdir(path, 0o700) != 0, errno != EEXIST { throw SystemError() }
    }

    /// The status of `path`: through a final symbolic link when `followingLink`, else
    /// of the link itself (`lstat`).
    ///
    /// - Throws: the error of `stat` or `lstat`.
    public static func status(_ path: String, followingLink: Bool) throws(SystemError) -> FolderStatus {
        var info = stat()
        guard (followingLink ? stat(path, &info) : lstat(path, &info)) == 0 else { throw SystemError() }
        return FolderStatus(isDirectory: info.st_mode & S_IFMT == S_IFDIR, owner: info.st_uid,
                            isOwnedByMe: info.st_uid == geteuid(),
                            isWritableByOthers: info.st_mode & (S_IWGRP | S_IWOTH) != 0)
    }

    /// Whether nothing at all is at `path`, not even a dangling symbolic link (`lstat`
    /// fails with `ENOENT`): a store never created, as opposed to one that cannot be read.
    public static func isMissing(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) != 0 && errno == ENOENT
    }

    /// Whether `path` exists (`access(F_OK)`, following symbolic links).
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Removes the file at `path` (`unlink`); false when it could not.
    @discardableResult
    public static func remove(_ path: String) -> Bool { unlink(path) == 0 }

    /// Writes `bytes` to a new file at `path` that only its owner may read (mode 0600),
    /// replacing what was there but never through a symbolic link (`O_NOFOLLOW`): what
    /// is saved there (an API token among an exporter's fields) is the user's alone.
    ///
    /// - Returns: whether every byte was written; on false, `errnoText()` right after
    ///   says why (the `close` in between succeeds, leaving `errno` alone).
    /// - Throws: the error of `open`, when the file could not be created.
    public static func writePrivateFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw SystemError() }
        let written = Descriptors.writeAll(bytes, to: fd)
        close(fd)
        return written == bytes.count
    }

    /// Renames `from` over `to` in one step (`rename(2)`), so a reader sees the old file
    /// or the new one.
    ///
    /// - Throws: the error of `rename`.
    public static func rename(_ from: String, over to: String) throws(SystemError) {
        guard Glibc.rename(from, to) == 0 else { throw SystemError() }
    }
}
