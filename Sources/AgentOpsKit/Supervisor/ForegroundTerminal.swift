/// agentops-run's controlling terminal, when agentops-run is its foreground job.
///
/// Foundation starts the command in a new process group, so without this the command
/// would be a background job of the terminal: reading it would stop the command with
/// SIGTTIN, and keys (Ctrl-C, Ctrl-\, Ctrl-Z) would reach only agentops-run. Handing
/// the foreground to the command's group makes the terminal deliver those keys to it
/// directly, exactly once, while agentops-run (no longer in the foreground) gets none.
///
/// The terminal is found through `/dev/tty`, not stdin: a command whose stdin is a
/// pipe can still open `/dev/tty` (a pager, a password prompt) and must reach it.
public struct ForegroundTerminal: Sendable {
    private let fd: Int32

    /// The controlling terminal, if there is one and agentops-run's group is in its
    /// foreground.
    public static func ifForeground() -> ForegroundTerminal? {
        // O_NOCTTY: never acquire one; close-on-exec: the command opens its own.
        guard let fd = ForegroundGroup.openControllingTerminal() else { return nil }
        guard ForegroundGroup.isOwn(fd) else {
            Descriptors.close(fd)
            return nil
        }
        return ForegroundTerminal(fd: fd)
    }

    /// The terminal's foreground process group now.
    public var foregroundGroup: Int32 { ForegroundGroup.of(fd) }

    /// Whether agentops-run's own group is in the foreground now (after `fg`, not `bg`).
    public var ownsForeground: Bool { ForegroundGroup.isOwn(fd) }

    /// Makes `group` the terminal's foreground process group, then sends it SIGCONT in
    /// case it already tried to read the terminal and was stopped by SIGTTIN.
    public func give(to group: Int32) {
        // tcsetpgrp from a background group raises SIGTTOU, which would stop us:
        // blocked on this thread for the call, as job-control shells do.
        ForegroundGroup.set(group, on: fd)
        Signals.send(SignalNumber.continue, to: -group)
    }

    /// Makes agentops-run's own group the foreground again.
    public func reclaim() {
        ForegroundGroup.set(ThisProcess.group, on: fd)
    }
}
