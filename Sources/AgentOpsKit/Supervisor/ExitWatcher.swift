import Foundation
import Glibc

/// Reports the child's exit the moment it happens.
///
/// Foundation only learns of the exit when its internal socket reaches EOF, and that
/// socket leaks into grandchildren: `sh -c 'sleep 30 &'` would delay its
/// `terminationHandler` by 30 s. `waitid(…, WNOWAIT)` on a dedicated thread sees the
/// exit at once and leaves the zombie for Foundation to reap (reaping it ourselves
/// would make Foundation report a bogus status). If Foundation reaped first
/// (`ECHILD`), its own status is used.
public final class ExitWatcher: @unchecked Sendable {
    private let process: Process
    private let foundationExit: DispatchSemaphore

    /// Watches `process`; `foundationExit` must be signalled by its termination handler.
    public init(process: Process, foundationExit: DispatchSemaphore) {
        self.process = process
        self.foundationExit = foundationExit
    }

    /// Starts watching; `onExit` is called once, on the watcher's thread.
    public func start(onExit: @escaping @Sendable (ChildExit) -> Void) {
        let pid = process.processIdentifier
        let thread = Thread { [self] in onExit(wait(pid: pid)) }
        thread.name = "agentops-run exit watcher"
        thread.start()
    }

    private func wait(pid: Int32) -> ChildExit {
        var info = siginfo_t()
        while true {
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == 0 {
                let status = info._sifields._sigchld.si_status
                switch info.si_code {
                case Int32(CLD_EXITED): return .exited(status)
                case Int32(CLD_DUMPED): return .signaled(status, coreDumped: true)
                default: return .signaled(status, coreDumped: false)
                }
            }
            if errno == EINTR { continue }
            break
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
