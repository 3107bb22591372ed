/// The environments of the processes this user may read, from `/proc/PID/environ`.
///
/// On Linux a process's environment is readable by its own user (others' fail with
/// EACCES and are skipped), as it was at `exec`: what the process was started with.
public enum ProcessEnvironments {
    /// Calls `body` with the first bytes (at most `limit`) of each readable process
    /// environment: `NAME=value` entries, each ended by a NUL byte.
    ///
    /// The buffer passed to `body` is valid only during the call.
    public static func forEach(limit: Int, _ body: (ArraySlice<UInt8>) -> Void) {
        guard let names = DirectoryListing.names(in: "/proc") else { return }
        var buffer = [UInt8](repeating: 0, count: max(1, limit))
        for name in names {
            guard !name.isEmpty, name.allSatisfy(\.isASCII), name.allSatisfy(\.isNumber) else { continue }
            guard let count = Descriptors.readPrefix(of: "/proc/\(name)/environ", into: &buffer), count > 0 else {
                continue
            }
            body(buffer[0..<count])
        }
    }
}
