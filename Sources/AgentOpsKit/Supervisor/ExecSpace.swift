/// How much room an exec has for the arguments and environment on Linux, and how much of
/// it a command's take: to tell a command whose own arguments and environment are too long
/// from one that the variables agentops-run adds took over the limit. Both fail the exec
/// with `E2BIG`; the second was reported as the command's failure (126), though the
/// command would have run without agentops-run in front (second hostile pass, round 11).
///
/// Counted as the kernel counts (fs/exec.c, `bprm_stack_limits` and `copy_strings`): the
/// path, every argument and every entry with its NUL, and a pointer for each argument
/// (at least one) and entry, against a quarter of the stack limit, at most 6 MiB and at
/// least 128 KiB; and no one string over 128 KiB with its NUL (`MAX_ARG_STRLEN`: the
/// run's copy of a 128 KiB `TRACEPARENT` under a longer name went over it alone, second
/// hostile pass, round 12). A script's `#!` line adds its interpreter, its argument and the
/// script's path in place of argv[0] (fs/binfmt_script.c): counted on both sides, or a
/// script too long on its own was said to fit. The kernel keeps a pointer's width more
/// for itself: a count within a few bytes of the limit may go either way, which only
/// matters for the attribution.
public enum ExecSpace {
    /// The longest one argument or entry may be, with its NUL (`MAX_ARG_STRLEN`).
    public static let longestString = 32 * 4096

    /// Whether an exec of `path` with `arguments` and `environment`, plus `extra` bytes
    /// (a script's, `scriptExtra`), fits under the stack limit `stack`.
    public static func fits(path: [UInt8], arguments: [[UInt8]], environment: [[UInt8]], extra: Int = 0,
                            stack: UInt64?) -> Bool {
        guard !(arguments + environment).contains(where: { $0.count + 1 > longestString }) else { return false }
        return bytes(path: path, arguments: arguments, environment: environment) + extra <= limit(stack: stack)
    }

    /// What the kernel adds for a script whose file begins with `head` (its first bytes,
    /// up to the 256 it reads), exec'd by `path` with argv[0] `argumentZero`: the
    /// interpreter, its one optional argument and the script's path, each with its NUL and
    /// pointer, in place of argv[0]. 0 for a file that does not begin with `#!`.
    public static func scriptExtra(head: ArraySlice<UInt8>, path: [UInt8], argumentZero: [UInt8]) -> Int {
        guard head.starts(with: [0x23, 0x21]) else { return 0 }
        let line = head.dropFirst(2).prefix { $0 != 0x0A }
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        let rest = line.drop(while: blank)
        let interpreter = rest.prefix { !blank($0) }
        guard !interpreter.isEmpty else { return 0 }
        var argument = rest.dropFirst(interpreter.count).drop(while: blank)
        while let last = argument.last, blank(last) { argument = argument.dropLast() }
        let pointer = MemoryLayout<UnsafeRawPointer>.size
        var added = interpreter.count + 1 + path.count + 1 + pointer
        if !argument.isEmpty { added += argument.count + 1 + pointer }
        return added - (argumentZero.count + 1)
    }

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
