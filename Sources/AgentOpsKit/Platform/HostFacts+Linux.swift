import Glibc

/// What the kernel says about this machine, for the session's `host_env`: names from
/// `uname` and `gethostname`, processors from `sysconf`, disk space from `statvfs`,
/// and the text of the `/proc` files the rest is parsed from (parsing stays with
/// `HostEnvironment`, where it is unit-tested).
public enum HostFacts {
    /// The machine's names.
    public struct Names: Sendable, Equatable {
        /// `gethostname`.
        public var hostname: String
        /// `uname`: kernel name (`Linux`), version, release and machine (`x86_64`).
        public var system, version, release, machine: String
    }

    /// The names of this machine.
    public static func names() -> Names {
        var names = utsname()
        uname(&names)
        func field<T>(_ value: inout T) -> String {
            withUnsafeBytes(of: &value) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
        }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostname = String(decoding: host.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Names(hostname: hostname, system: field(&names.sysname), version: field(&names.version),
                     release: field(&names.release), machine: field(&names.machine))
    }

    /// Processors online now (`_SC_NPROCESSORS_ONLN`).
    public static var onlineProcessors: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// Space on the file system holding a path, in bytes.
    public struct DiskSpace: Sendable, Equatable {
        /// Its size; what is free; what is free to unprivileged users.
        public var total, free, available: UInt64
    }

    /// The space of the file system holding `path`; nil when `statvfs` fails.
    ///
    /// Products saturate instead of trapping: the numbers come from the kernel, but a
    /// reader never traps.
    public static func diskSpace(of path: String) -> DiskSpace? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        let block = UInt64(stats.f_frsize)
        func bytes(_ blocks: UInt64) -> UInt64 {
            let (product, overflow) = blocks.multipliedReportingOverflow(by: block)
            return overflow ? .max : product
        }
        return DiskSpace(total: bytes(UInt64(stats.f_blocks)), free: bytes(UInt64(stats.f_bfree)),
                         available: bytes(UInt64(stats.f_bavail)))
    }

    /// `/proc/cpuinfo`; nil when unreadable.
    public static func cpuInfo() -> String? { Descriptors.readSmallFile("/proc/cpuinfo") }
    /// `/proc/meminfo`; nil when unreadable.
    public static func memoryInfo() -> String? { Descriptors.readSmallFile("/proc/meminfo") }
    /// `/proc/self/mounts`; nil when unreadable.
    public static func mounts() -> String? { Descriptors.readSmallFile("/proc/self/mounts") }
}
