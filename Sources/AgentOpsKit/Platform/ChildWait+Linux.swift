import Glibc

/// Waiting for a child's exit or stop without reaping it (`waitid(…, WNOWAIT)`).
///
/// Foundation's `Process` reaps the child itself and reports a bogus status when
/// someone else reaped it first, so `ExitWatcher` only looks: the zombie stays for
/// Foundation. Stops are consumed, though, or the next wait would see the same one.
public enum ChildWait {
    /// What happened to the child.
    public enum Change: Equatable, Sendable {
        /// It called `exit` with this code.
        case exited(Int32)
        /// A signal killed it.
        case killed(Int32, coreDumped: Bool)
        /// A signal stopped it (or a tracer did).
        case stopped(Int32)
    }

    /// Blocks until the child `pid` exits or stops, retrying EINTR and reports of no
    /// interest; the exit is left to be reaped.
    ///
    /// - Returns: nil when the child cannot be waited for (`ECHILD`: already reaped).
    public static func next(_ pid: Int32) -> Change? {
        var info = siginfo_t()
        while true {
            guard waitid(P_PID, id_t(pid), &info, WEXITED | WSTOPPED | WNOWAIT) == 0 else {
                if errno == EINTR { continue }
                return nil
            }
            let status = info._sifields._sigchld.si_status
            switch info.si_code {
            case Int32(CLD_EXITED): return .exited(status)
            case Int32(CLD_DUMPED): return .killed(status, coreDumped: true)
            case Int32(CLD_KILLED): return .killed(status, coreDumped: false)
            case Int32(CLD_STOPPED), Int32(CLD_TRAPPED): return .stopped(status)
            default: continue
            }
        }
    }

    /// Consumes the stop report `next` returned (`WNOWAIT` left it queued; `WSTOPPED`
    /// alone takes it and leaves any exit for Foundation).
    public static func consumeStop(of pid: Int32) {
        var consumed = siginfo_t()
        _ = waitid(P_PID, id_t(pid), &consumed, WSTOPPED | WNOHANG)
    }
}
