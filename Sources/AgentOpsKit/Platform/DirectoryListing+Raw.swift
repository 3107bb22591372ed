import Glibc

extension DirectoryListing {
    /// Hands each entry's name of `path` to `body` in place, as the bytes of `d_name`
    /// with its NUL (`name(of:)`; `.` and `..` included), so a caller looking for a few names
    /// among many (the store's `ID.jsonl` among 100,000 files) makes no `String` of
    /// the rest.
    ///
    /// - Returns: false when `path` cannot be opened (`errnoText()` right after says
    ///   why), true once every entry was seen.
    public static func forEachName(in path: String, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard let directory = opendir(path) else { return false }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            body(name(of: entry))
        }
        return true
    }
}
