import Glibc

/// Waiting for a child's exit or stop (`waitid(…, WNOWAIT)`), then reaping it.
///
/// One look serves both: a stop is consumed after it is handled, or the next wait
/// would see the same one; an exit is reaped once it is reported (`reap`).
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
    /// alone takes it and leaves any exit queued).
    public static func consumeStop(of pid: Int32) {
        var consumed = siginfo_t()
        _ = waitid(P_PID, id_t(pid), &consumed, WSTOPPED | WNOHANG)
    }

    /// Reaps the child `pid` once `next` reported its exit (the zombie is gone; its
    /// process group lives on while other members remain).
    public static func reap(_ pid: Int32) {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED) != 0, errno == EINTR {}
    }
}
