import Foundation

/// Reports the child's exit the moment it happens.
///
/// Foundation only learns of the exit when its internal socket reaches EOF, and that
/// socket leaks into grandchildren: `sh -c 'sleep 30 &'` would delay its
/// `terminationHandler` by 30 s. `waitid(…, WNOWAIT)` on a dedicated thread sees the
/// exit at once and leaves the zombie for Foundation to reap (reaping it ourselves
/// would make Foundation report a bogus status). If Foundation reaped first
/// (`ECHILD`), its own status is used.
///
/// `@unchecked Sendable`: `Process` is not `Sendable`; the watcher only reads its pid
/// and, after the semaphore, its final status.
public final class ExitWatcher: @unchecked Sendable {
    private let process: Process
    private let foundationExit: DispatchSemaphore

    /// Watches `process`; `foundationExit` must be signalled by its termination handler.
    public init(process: Process, foundationExit: DispatchSemaphore) {
        self.process = process
        self.foundationExit = foundationExit
    }

    /// Starts watching; `onExit` is called once, on the watcher's thread, and
    /// `onStop` each time the child is stopped (Ctrl-Z, SIGTTIN, SIGSTOP), also on that
    /// thread, which waits for `onStop` to return before watching again.
    public func start(onStop: @escaping @Sendable (Int32) -> Void, onExit: @escaping @Sendable (ChildExit) -> Void) {
        let pid = process.processIdentifier
        PlainThread.start(name: "agentops-run exit watcher") { [self] in onExit(wait(pid: pid, onStop: onStop)) }
    }

    private func wait(pid: Int32, onStop: (Int32) -> Void) -> ChildExit {
        // Looks without reaping (`ChildWait`); nil: Foundation reaped it first.
        while let change = ChildWait.next(pid) {
            switch change {
            case let .exited(status): return .exited(status)
            case let .killed(signal, coreDumped): return .signaled(signal, coreDumped: coreDumped)
            case let .stopped(signal):
                // Consume the stop report, or the next look would see it again.
                ChildWait.consumeStop(of: pid)
                onStop(signal)
            }
        }
        foundationExit.wait()
        foundationExit.signal()
        switch process.terminationReason {
        case .exit: return .exited(process.terminationStatus)
        case .uncaughtSignal: return .signaled(process.terminationStatus, coreDumped: false)
        @unknown default: return .exited(process.terminationStatus)
        }
    }
}
