import AgentOpsExec

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
    private static let headroom: UInt = 32

    /// Lowers the soft limit to just above the highest open descriptor.
    ///
    /// - Returns: the soft limit to restore (in agentops-run after the spawn, and in the
    ///   helper before the exec); nil when it was left as it was.
    static func lower() -> UInt? {
        guard let limits = FileLimit.current(), let highest = OpenDescriptors.list(from: 0).last else { return nil }
        let lowered = UInt(highest) + 1 + headroom
        guard lowered < limits.soft, FileLimit.set(soft: lowered, hard: limits.hard) else { return nil }
        return limits.soft
    }

    /// Puts the soft limit `lower()` returned back.
    static func restore(_ soft: UInt) {
        ExecHelper.restoreFileLimit(soft)
    }
}
