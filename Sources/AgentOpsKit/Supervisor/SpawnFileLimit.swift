import AgentOpsExec
import Glibc

/// Keeps Foundation's spawn from walking the whole descriptor table.
///
/// On Linux `Process.run()` adds one `posix_spawn` close action for every descriptor
/// number from 3 up to the soft `RLIMIT_NOFILE`, and the child then makes one `close`
/// system call for each: with the 20,000 of this build machine that was 2 ms of a 6 ms
/// launch, and containers often allow 1,048,576. agentops-run lowers the soft limit to
/// just above its highest open descriptor around `run()`, and the exec helper, which
/// marks every descriptor above 2 close-on-exec anyway, puts the original back before
/// the command starts: the command inherits exactly the limits agentops-run had.
enum SpawnFileLimit {
    /// Spare descriptor numbers left under the lowered limit, for Foundation's socket
    /// pair and anything another thread opens meanwhile.
    private static let headroom: rlim_t = 32

    /// Lowers the soft limit to just above the highest open descriptor.
    ///
    /// - Returns: the soft limit to restore (in agentops-run after the spawn, and in the
    ///   helper before the exec); nil when it was left as it was.
    static func lower() -> rlim_t? {
        var limits = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) == 0,
              let highest = OpenDescriptors.list(from: 0).last else { return nil }
        let lowered = rlim_t(highest) + 1 + headroom
        guard lowered < limits.rlim_cur else { return nil }
        let original = limits.rlim_cur
        limits.rlim_cur = lowered
        guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return nil }
        return original
    }

    /// Puts the soft limit `lower()` returned back.
    static func restore(_ soft: rlim_t) {
        ExecHelper.restoreFileLimit(soft)
    }
}
