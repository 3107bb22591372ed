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
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
