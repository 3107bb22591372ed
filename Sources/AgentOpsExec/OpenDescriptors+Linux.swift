#if hasFeature(Embedded)
import CExecSystem  // agentops-run-exec (Sources/CExecSystem says why)
#else
import Glibc
#endif

/// The descriptors a process has open, read from `/proc/self/fd`.
public enum OpenDescriptors {
    /// The open descriptors ≥ `lowest`, in order (without the one used to list them).
    public static func list(from lowest: Int32 = 3) -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var fds: [Int32] = []
        while let entry = readdir(directory) {
            // In place: a copy of `d_name` reads the 256 bytes `dirent` declares, past a
            // record as short as its name (`DirectoryListing.name(of:)` says more).
            let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
            if let fd = Int32(name), fd >= lowest, fd != own { fds.append(fd) }
        }
        return fds.sorted()
    }

    #if hasFeature(Embedded)
    private static let nameOffset = direntNameOffset
    #else
    private static let nameOffset = MemoryLayout<dirent>.offset(of: \.d_name)!
    #endif
}
