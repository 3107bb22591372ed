import Glibc

extension Descriptors {
    /// Reads the start of the file at `path` into `buffer` with one `read(2)`: for
    /// `/proc` entries, where one read returns what the kernel has at once.
    ///
    /// - Returns: the byte count (0 for an empty file), or nil when it cannot be opened.
    public static func readPrefix(of path: String, into buffer: inout [UInt8]) -> Int? {
        // Without waiting: a FIFO named as a script's interpreter (`ExecSpace`) would
        // block the open until a writer came.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        return max(0, buffer.withUnsafeMutableBytes { read(fd, into: $0) })
    }
}
