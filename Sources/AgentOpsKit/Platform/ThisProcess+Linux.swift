import Glibc

extension ThisProcess {
    /// The path of this process's executable, read from `/proc/self/exe` without loss
    /// (`SystemString`); nil when it cannot be read.
    public static var executablePath: String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = buffer.withUnsafeMutableBytes { readlink("/proc/self/exe", $0.baseAddress!, $0.count - 1) }
        guard n > 0 else { return nil }
        return SystemString.decode(buffer[0..<n])
    }

    /// This process's group (`getpgrp`).
    public static var group: Int32 { getpgrp() }

    /// Whether the parent is in this process's group: no shell with job control made
    /// it (one puts each job in a group of its own), so nothing would continue this
    /// process if it stopped.
    public static var parentSharesGroup: Bool { getpgid(getppid()) == getpgrp() }

    /// This process's arguments, its own path first, read from `argv` without loss:
    /// bytes that are not UTF-8 are escaped (`SystemString`), where
    /// `CommandLine.arguments` repairs them, so the command gets them back unchanged.
    public static var arguments: [String] {
        (0..<Int(CommandLine.argc)).map { index in
            guard let argument = CommandLine.unsafeArgv[index] else { return "" }
            return argument.withMemoryRebound(to: UInt8.self, capacity: 1) { start in
                SystemString.decode(UnsafeBufferPointer(start: start, count: strlen(argument)))
            }
        }
    }

    /// The size of this process's environment: its entries' bytes, each with its NUL,
    /// and how many entries there are.
    public static var environmentSize: (bytes: UInt64, entries: UInt64) {
        var bytes: UInt64 = 0, entries: UInt64 = 0
        var entry = environ
        while let pointer = entry.pointee {
            bytes += UInt64(strlen(pointer)) + 1
            entries += 1
            entry += 1
        }
        return (bytes, entries)
    }

    /// This process's environment as its entries' bytes, in order: duplicates, entries
    /// without `=` and all (`EnvironmentLayout` lays the command's out the same way).
    public static var environmentEntries: [[UInt8]] {
        var entries: [[UInt8]] = []
        var entry = environ
        while let pointer = entry.pointee {
            entries.append(pointer.withMemoryRebound(to: UInt8.self, capacity: 1) {
                Array(UnsafeBufferPointer(start: $0, count: strlen(pointer)))
            })
            entry += 1
        }
        return entries
    }

    /// This process's environment, read from `environ` (an entry without `=` is left out,
    /// a name given twice keeps its first value, as `getenv(3)` and the command read it:
    /// `ProcessInfo` keeps the last, and a run given `AGENTOPS_SESSION_ID` twice recorded
    /// into one session while its command joined the other, second hostile pass, round
    /// 11) at a fraction of `ProcessInfo`'s cost: split at the first `=` byte with no Foundation string in
    /// between (issue 18: it is read at every start). Bytes that are not UTF-8 are
    /// escaped (`SystemString`), not repaired, so the command gets them back unchanged.
    public static var environment: [String: String] {
        // Never null here: only clearenv(3) makes it so, and nothing calls it.
        var entry = environ
        var count = 0
        while entry[count] != nil { count += 1 }
        // Sized once: growing it rehashes every name so far.
        var result = [String: String](minimumCapacity: count)
        while let pointer = entry.pointee {
            let length = strlen(pointer)
            pointer.withMemoryRebound(to: UInt8.self, capacity: length) { start in
                let bytes = UnsafeBufferPointer(start: start, count: length)
                guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return }
                let name = SystemString.decode(UnsafeBufferPointer(rebasing: bytes[..<equals]))
                guard result[name] == nil else { return }
                result[name] = SystemString.decode(UnsafeBufferPointer(rebasing: bytes[(equals + 1)...]))
            }
            entry += 1
        }
        return result
    }
}
