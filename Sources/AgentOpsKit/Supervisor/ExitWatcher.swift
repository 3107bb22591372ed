import Foundation

/// Reports the child's exit the moment it happens, and its stops, from a thread of its
/// own that waits for them (`ChildWait`) and reaps the child at the end.
///
/// `@unchecked Sendable`: immutable; the thread only reads the pid.
public final class ExitWatcher: @unchecked Sendable {
    private let pid: Int32

    /// Watches the child `pid`, which only this watcher may reap.
    public init(pid: Int32) {
        self.pid = pid
    }

    /// Starts watching; `onExit` is called once, on the watcher's thread, and
    /// `onStop` each time the child is stopped (Ctrl-Z, SIGTTIN, SIGSTOP), also on that
    /// thread, which waits for `onStop` to return before watching again.
    public func start(onStop: @escaping @Sendable (Int32) -> Void, onExit: @escaping @Sendable (ChildExit) -> Void) {
        let thread = Thread { [self] in onExit(wait(onStop: onStop)) }
        thread.name = "agentops-run exit watcher"
        thread.start()
    }

    private func wait(onStop: (Int32) -> Void) -> ChildExit {
        while let change = ChildWait.next(pid) {
            switch change {
            case let .exited(status):
                ChildWait.reap(pid)
                return .exited(status)
            case let .killed(signal, coreDumped):
                ChildWait.reap(pid)
                return .signaled(signal, coreDumped: coreDumped)
            case let .stopped(signal):
                // Consume the stop report, or the next look would see it again.
                ChildWait.consumeStop(of: pid)
                onStop(signal)
            }
        }
        // Nobody else reaps it, unless SIGCHLD was ignored when agentops-run started
        // (inherited, and kept for the command): the kernel reaped it and its status is
        // gone. Foundation reported an exit with 0 then; so does this.
        return .exited(0)
    }
}
