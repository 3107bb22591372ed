import Foundation
import Glibc

/// Removal of a test's folder and everything in it, whatever the test left there.
///
/// Tests make stores unreadable or read-only on purpose (`chmod 0500`, folders owned by
/// `nobody`), leave FIFOs, sockets and symbolic links pointing out of the folder, and may
/// still have a tmpfs mounted in it when they fail. So each folder is opened without
/// following a link (`O_NOFOLLOW`) and walked relative to its descriptor, never by path:
/// a symbolic link is removed as itself, and a folder swapped for a link midway is not
/// entered. Each folder is made 0700 first, through its own descriptor, so that a
/// process that is not root may list it and remove what it holds. A folder on another
/// file system (a mount point) is left as it is, with what is in it.
public enum FileTree {
    /// Removes `path`, and when it is a folder, everything in it.
    ///
    /// - Parameter path: a file, a folder or a link; the folders leading to it are
    ///   followed as usual, `path` itself never.
    /// - Returns: whether it is gone (true when it was not there).
    @discardableResult
    public static func remove(_ path: String) -> Bool {
        let parentPath = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        guard !name.isEmpty, name != ".", name != ".." else { return false }
        let parent = open(parentPath.isEmpty ? "." : parentPath, openPath | O_DIRECTORY | O_CLOEXEC)
        guard parent >= 0 else { return errno == ENOENT }
        defer { close(parent) }
        var status = stat()
        guard fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return errno == ENOENT }
        return remove(Array(name.utf8CString), in: parent, device: status.st_dev)
    }

    /// Removes entry `name` (its bytes as the folder holds them, not necessarily UTF-8)
    /// of the open folder `parent`, staying on `device`.
    private static func remove(_ name: [CChar], in parent: Int32, device: dev_t) -> Bool {
        var status = stat()
        guard fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return errno == ENOENT }
        guard status.st_mode & S_IFMT == S_IFDIR else { return unlink(name, in: parent, flags: 0) }
        let folder = openat(parent, name, openPath | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard folder >= 0 else {
            // Replaced since the fstatat by something that is not a folder: removed as itself.
            return errno == ENOTDIR || errno == ELOOP ? unlink(name, in: parent, flags: 0) : errno == ENOENT
        }
        defer { close(folder) }
        guard fstat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_dev == device else {
            return false
        }
        // fchmod refuses an O_PATH descriptor; its /proc link reaches the same folder
        // without looking its name up again.
        chmod("/proc/self/fd/\(folder)", 0o700)
        var removedAll = true
        for entry in entries(of: folder) {
            if !remove(entry, in: folder, device: device) { removedAll = false }
        }
        return removedAll && unlink(name, in: parent, flags: AT_REMOVEDIR)
    }

    /// Linux's `O_PATH` (a descriptor that only names a file, opened without read
    /// permission), which the Glibc module leaves out without `_GNU_SOURCE`; the
    /// generic value, that of x86-64 and arm64.
    private static let openPath: Int32 = 0o10000000

    private static func unlink(_ name: [CChar], in parent: Int32, flags: Int32) -> Bool {
        unlinkat(parent, name, flags) == 0 || errno == ENOENT
    }

    /// The names in the folder open as `folder` (an `O_PATH` descriptor), `.` and `..` left out.
    private static func entries(of folder: Int32) -> [[CChar]] {
        let readable = openat(folder, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard readable >= 0 else { return [] }
        guard let stream = fdopendir(readable) else {
            close(readable)
            return []
        }
        defer { closedir(stream) }
        var names: [[CChar]] = []
        let dot = CChar(UInt8(ascii: "."))
        while let entry = readdir(stream) {
            let name = FileTree.name(of: entry).map { CChar(bitPattern: $0) }
            if name != [dot], name != [dot, dot] { names.append(name + [0]) }
        }
        return names
    }

    /// The name of `entry` where `readdir` left it, without its NUL: not a copy of
    /// `d_name`, whose declared 256 bytes can run past a record as short as its name.
    static func name(of entry: UnsafeMutablePointer<dirent>) -> UnsafeRawBufferPointer {
        let start = UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \.d_name)!
        return UnsafeRawBufferPointer(start: start, count: strlen(start.assumingMemoryBound(to: CChar.self)))
    }
}
