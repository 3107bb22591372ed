import Glibc

/// The names in a directory, read with `opendir`/`readdir`, without `.` and `..`.
public enum DirectoryListing {
    /// The names of `path`'s entries in the order the file system gives them; nil when
    /// it cannot be opened.
    public static func names(in path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = String(decoding: Self.name(of: entry).dropLast(), as: UTF8.self)
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// The name of `entry` where `readdir` left it, its NUL included.
    ///
    /// Not `entry.pointee.d_name`: that copies the 256 bytes `dirent` declares, but
    /// `readdir`'s records are only as long as their name (`d_reclen`), so the copy of
    /// the last one could read past the end of glibc's buffer, and fault when that is
    /// the end of mapped memory (swift-corelibs-foundation's `Process` crashed so).
    static func name(of entry: UnsafeMutablePointer<dirent>) -> UnsafeRawBufferPointer {
        let start = UnsafeRawPointer(entry) + nameOffset
        return UnsafeRawBufferPointer(start: start, count: strlen(start.assumingMemoryBound(to: CChar.self)) + 1)
    }

    private static let nameOffset = MemoryLayout<dirent>.offset(of: \.d_name)!
}
