import Glibc

/// The descriptors a process has open, read from `/proc/self/fd`.
public enum OpenDescriptors {
    /// The open descriptors ≥ `lowest`, in order (without the one used to list them).
    public static func list(from lowest: Int32 = 3) -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var fds: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name), fd >= lowest, fd != own { fds.append(fd) }
        }
        return fds.sorted()
    }
}
