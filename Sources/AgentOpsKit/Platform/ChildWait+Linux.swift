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

    /// What a look without waiting found (`now`).
    public enum Look: Equatable, Sendable {
        /// The child runs, with nothing to report.
        case running
        /// It exited, was killed or stopped.
        case changed(Change)
        /// It cannot be waited for (`ECHILD`: already reaped).
        case reaped
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
            if let change = change(in: info) { return change }
        }
    }

    /// `next` without blocking, for a supervisor that has no thread to block in it
    /// (`ulimit -u`); the exit is left to be reaped as well.
    public static func now(_ pid: Int32) -> Look {
        while true {
            // With WNOHANG, nothing to report is success with `info` left as it was:
            // zeroed, no pid in it.
            var info = siginfo_t()
            guard waitid(P_PID, id_t(pid), &info, WEXITED | WSTOPPED | WNOWAIT | WNOHANG) == 0 else {
                if errno == EINTR { continue }
                return .reaped
            }
            guard info._sifields._sigchld.si_pid != 0 else { return .running }
            return change(in: info).map(Look.changed) ?? .running
        }
    }

    /// The exit or stop `waitid` reported in `info`; nil for a report of no interest
    /// (a continue).
    private static func change(in info: siginfo_t) -> Change? {
        let status = info._sifields._sigchld.si_status
        switch info.si_code {
        case Int32(CLD_EXITED): return .exited(status)
        case Int32(CLD_DUMPED): return .killed(status, coreDumped: true)
        case Int32(CLD_KILLED): return .killed(status, coreDumped: false)
        case Int32(CLD_STOPPED), Int32(CLD_TRAPPED): return .stopped(status)
        default: return nil
        }
    }

    /// Consumes the stop report `next` returned (`WNOWAIT` left it queued; `WSTOPPED`
    /// alone takes it and leaves any exit for Foundation).
    public static func consumeStop(of pid: Int32) {
        var consumed = siginfo_t()
        _ = waitid(P_PID, id_t(pid), &consumed, WSTOPPED | WNOHANG)
    }
}
