import Glibc

/// A terminal's foreground process group (`tcgetpgrp`, `tcsetpgrp`) and the
/// controlling terminal it belongs to. Which group gets the foreground, and when, is
/// `ForegroundTerminal`'s.
public enum ForegroundGroup {
    /// A descriptor on this process's controlling terminal (`/dev/tty`), close-on-exec
    /// and `O_NOCTTY` (never acquiring one); nil when there is none.
    public static func openControllingTerminal() -> Int32? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }

    /// Whether this process has a controlling terminal, so a shell's job control can
    /// stop and continue it.
    public static var hasControllingTerminal: Bool {
        guard let fd = openControllingTerminal() else { return false }
        close(fd)
        return true
    }

    /// The foreground process group of the terminal on `fd` (-1 when it is none).
    public static func of(_ fd: Int32) -> Int32 { tcgetpgrp(fd) }

    /// Whether this process's own group is the foreground of the terminal on `fd`.
    public static func isOwn(_ fd: Int32) -> Bool { tcgetpgrp(fd) == getpgrp() }

    /// Makes `group` the foreground of the terminal on `fd`. From a background group
    /// `tcsetpgrp` raises SIGTTOU, which would stop us: it is blocked on this thread
    /// for the call, as job-control shells do.
    public static func set(_ group: Int32, on fd: Int32) {
        TerminalPlatform.withSignalBlocked(SIGTTOU) { _ = tcsetpgrp(fd, group) }
    }
}
