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

    /// What the kernel adds for a script exec'd by `path` with argv[0] `argumentZero`:
    /// the script's path in place of argv[0], and each `#!` line's interpreter and its
    /// one optional argument, with their NULs, following interpreters that are scripts
    /// themselves as the kernel does, four deep (fs/binfmt_script.c; no pointer is
    /// counted for them: the kernel reserved pointers once, for the first argv). `head`
    /// reads a file's first bytes. 0 for a file that does not begin with `#!`.
    public static func scriptExtra(path: [UInt8], argumentZero: [UInt8],
                                   head: ([UInt8]) -> [UInt8]) -> Int {
        guard var line = shebang(head(path)) else { return 0 }
        var added = path.count + 1 - (argumentZero.count + 1)
        for _ in 0..<4 {
            added += line.interpreter.count + 1 + (line.argument.isEmpty ? 0 : line.argument.count + 1)
            guard let next = shebang(head(Array(line.interpreter))) else { break }
            line = next
        }
        return added
    }

    /// The interpreter and argument of a `#!` line in a file's first bytes, as the
    /// kernel reads them: within 255 bytes, trailing blanks trimmed, each name ended by a
    /// NUL as a C string is; nil when there is none.
    static func shebang(_ head: [UInt8]) -> (interpreter: ArraySlice<UInt8>, argument: ArraySlice<UInt8>)? {
        guard head.starts(with: [0x23, 0x21]) else { return nil }
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var line = head.prefix(255).dropFirst(2).prefix { $0 != 0x0A }
        while let last = line.last, blank(last) { line = line.dropLast() }
        let rest = line.drop(while: blank)
        let interpreter = rest.prefix { !blank($0) && $0 != 0 }
        guard !interpreter.isEmpty else { return nil }
        let after = rest.dropFirst(interpreter.count)
        guard after.first != 0 else { return (interpreter, []) }
        return (interpreter, after.drop(while: blank).prefix { $0 != 0 })
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
