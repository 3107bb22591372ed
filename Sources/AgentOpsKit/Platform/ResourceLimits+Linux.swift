import Glibc

/// The soft limit on open descriptors (`RLIMIT_NOFILE`), which `SpawnFileLimit` lowers
/// around Foundation's spawn.
public enum FileLimit {
    /// The soft and hard limits now; nil when they cannot be read.
    public static func current() -> (soft: UInt, hard: UInt)? {
        var limits = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return nil }
        return (UInt(limits.rlim_cur), UInt(limits.rlim_max))
    }

    /// Sets the soft limit to `soft`, the hard one to `hard` (as read: only the
    /// soft one is meant to change).
    ///
    /// - Returns: false when the kernel refused.
    public static func set(soft: UInt, hard: UInt) -> Bool {
        var limits = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
        return setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) == 0
    }
}

extension ThisProcess {
    /// The soft limit on this process's stack (`ulimit -s`) in bytes, which a command
    /// exec'd from it inherits; nil when there is none or it cannot be read.
    public static var stackLimit: UInt64? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_STACK.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {
            return nil
        }
        return UInt64(limit.rlim_cur)
    }
}
