import Glibc

/// The controlling terminal on stdin, when agentops-run is its foreground job.
///
/// Foundation starts the command in a new process group, so without this the command
/// would be a background job of the terminal: reading it would stop the command with
/// SIGTTIN, and keys (Ctrl-C, Ctrl-\, Ctrl-Z) would reach only agentops-run. Handing
/// the foreground to the command's group makes the terminal deliver those keys to it
/// directly, exactly once, while agentops-run (no longer in the foreground) gets none.
public struct ForegroundTerminal: Sendable {
    private let fd: Int32 = 0

    /// The terminal, if stdin is one and agentops-run's group is in its foreground.
    public static func ifForeground() -> ForegroundTerminal? {
        guard isatty(0) == 1, tcgetpgrp(0) == getpgrp() else { return nil }
        return ForegroundTerminal()
    }

    /// Whether agentops-run's own group is in the foreground now (after `fg`, not `bg`).
    public var ownsForeground: Bool { tcgetpgrp(fd) == getpgrp() }

    /// Makes `group` the terminal's foreground process group, then sends it SIGCONT in
    /// case it already tried to read the terminal and was stopped by SIGTTIN.
    public func give(to group: pid_t) {
        Self.withTTOUBlocked { _ = tcsetpgrp(fd, group) }
        kill(-group, SIGCONT)
    }

    /// Makes agentops-run's own group the foreground again.
    public func reclaim() {
        Self.withTTOUBlocked { _ = tcsetpgrp(fd, getpgrp()) }
    }

    /// `tcsetpgrp` from a background group raises SIGTTOU, which would stop us:
    /// blocked on this thread for the call, as job-control shells do.
    private static func withTTOUBlocked(_ body: () -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTTOU)
        var old = sigset_t()
        pthread_sigmask(SIG_BLOCK, &set, &old)
        body()
        pthread_sigmask(SIG_SETMASK, &old, nil)
    }
}
