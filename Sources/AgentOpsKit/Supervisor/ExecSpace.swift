/// How much room an exec has for the arguments and environment on Linux, and how much of
/// it a command's take: to tell a command whose own arguments and environment are too long
/// from one that the variables agentops-run adds took over the limit. Both fail the exec
/// with `E2BIG`; the second was reported as the command's failure (126), though the
/// command would have run without agentops-run in front (second hostile pass, round 11).
///
/// Counted as the kernel counts (fs/exec.c, `bprm_stack_limits` and `copy_strings`): the
/// path, every argument and every entry with its NUL, and a pointer for each argument
/// (at least one) and entry, against a quarter of the stack limit, at most 6 MiB and at
/// least 128 KiB. The kernel keeps a pointer's width more for itself: a count within a
/// few bytes of the limit may go either way, which only matters for the attribution.
public enum ExecSpace {
    /// The bytes an exec of `path` with `arguments` (argv) and `environment` takes.
    public static func bytes(path: [UInt8], arguments: [[UInt8]], environment: [[UInt8]]) -> Int {
        let pointer = MemoryLayout<UnsafeRawPointer>.size
        var total = path.count + 1 + (max(arguments.count, 1) + environment.count) * pointer
        for string in arguments { total += string.count + 1 }
        for string in environment { total += string.count + 1 }
        return total
    }

    /// The room an exec has under the soft stack limit `stack` in bytes (nil: unlimited).
    public static func limit(stack: UInt64?) -> Int {
        let most: UInt64 = 6 << 20, least: UInt64 = 128 << 10
        return Int(max(min(most, (stack ?? .max) / 4), least))
    }
}
