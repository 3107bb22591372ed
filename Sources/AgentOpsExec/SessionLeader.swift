#if hasFeature(Embedded)
import CExecSystem  // agentops-run-exec (Sources/CExecSystem says why)
#else
import Glibc
#endif
import CSignals

/// The exec helper's part in an interactive run: it stays as the leader of the
/// command's new session, between agentops-run and the command, as a shell does in
/// script(1).
///
/// Why a process in between: if the command itself led the session, its process
/// group would be orphaned (its parent, agentops-run, is in another session), and the
/// kernel discards Ctrl-Z's SIGTSTP for orphaned groups: nothing could be suspended.
/// With the helper as its parent in the same session the command's group is a normal
/// job: it is started in a group of its own and made the terminal's foreground group
/// before it execs, by the child and by the helper alike as a shell does (so it never
/// reads the terminal from the background), and the helper then works like tini: every
/// forwarded signal, received with `sigwaitinfo`, goes on to the command's group once;
/// when the command stops, the helper stops itself (so agentops-run sees the stop and
/// follows); when continued, it continues the command; when the command ends, the
/// helper ends the same way (its exit status, or death by the same signal).
///
/// `fork`, not `posix_spawn`: the helper is one thread, so forking it is safe, and the
/// child's steps need no glibc extension (`posix_spawn_file_actions_addtcsetpgrp_np`,
/// which a statically linked helper could not look up).
enum SessionLeader {
    /// Starts the file at `path` with `command` as its argv (a NULL-ended list) and
    /// `environment` (a NULL-ended `NAME=value` list) and supervises it to the end; returns
    /// only the exec's error code when it could not start.
    /// `status` is the exec helper's report socket: `marker` goes there, then it is
    /// closed, once the command runs.
    static func run(_ path: UnsafeMutablePointer<CChar>, _ command: [UnsafeMutablePointer<CChar>?],
                    environment: [UnsafeMutablePointer<CChar>?], status: Int32, marker: Int32,
                    ignoreChildSignal: Bool) -> Int32 {
        // SIGCHLD ignored: the kernel reaps the command itself and sends no SIGCHLD, and
        // the wait below lasted for ever (hostile pass, round 13). The default here; the
        // command gets it ignored when agentops-run was started so (`ignoreChildSignal`).
        let childIgnored = ignoreChildSignal || agentops_signal_is_ignored(SIGCHLD) == 1
        _ = agentops_signal_set_default(SIGCHLD)
        var waited = sigset_t()
        sigemptyset(&waited)
        for signal in SignalTable.forwarded + [SIGCHLD] { sigaddset(&waited, signal) }
        var original = sigset_t()
        sigprocmask(SIG_BLOCK, &waited, &original)
        var ttou = sigset_t()
        sigemptyset(&ttou)
        sigaddset(&ttou, SIGTTOU)

        // Everything the child uses is made before the fork (the command's lists were made
        // by the caller): after it, the child only makes system calls.
        var report: [Int32] = [-1, -1]
        // Close-on-exec at once (pipe2 is not in Swift's Glibc; this process has no other
        // thread to race with).
        guard pipe(&report) == 0 else { return errno }
        for fd in report { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid = fork()
        if pid < 0 { return errno }
        if pid == 0 {
            setpgid(0, 0)
            // SIGTTOU blocked: the child is not in the foreground yet when it asks.
            sigprocmask(SIG_BLOCK, &ttou, nil)
            _ = tcsetpgrp(0, getpid())
            sigprocmask(SIG_SETMASK, &original, nil)
            if childIgnored { signal(SIGCHLD, SIG_IGN) }
            execve(path, command, environment)
            var code = errno
            _ = write(report[1], &code, 4)
            _exit(127)
        }
        close(report[1])
        // The same two steps from this side, so neither order can leave the command
        // in the background.
        setpgid(pid, pid)
        var mask = sigset_t()
        sigprocmask(SIG_BLOCK, &ttou, &mask)
        _ = tcsetpgrp(0, pid)
        sigprocmask(SIG_SETMASK, &mask, nil)
        // End of file: the exec happened (the pipe is close-on-exec).
        var code: Int32 = 0
        let n = retryingEINTR { read(report[0], &code, 4) }
        close(report[0])
        if n == 4 {
            var reaped: Int32 = 0
            _ = waitpid(pid, &reaped, 0)
            sigprocmask(SIG_SETMASK, &original, nil)
            return code
        }
        // The command runs: the marker, then end of file (`ExecHelper.startingMarker(random:)`).
        var starting = marker
        _ = write(status, &starting, 4)
        close(status)
        supervise(pid, waited: waited)
    }

    private static func supervise(_ pid: pid_t, waited: sigset_t) -> Never {
        var waited = waited
        var info = siginfo_t()
        while true {
            let signal = sigwaitinfo(&waited, &info)
            if signal < 0 { continue }
            if signal != SIGCHLD {
                kill(-pid, signal)
                continue
            }
            var status: Int32 = 0
            while true {
                let reaped = waitpid(pid, &status, WUNTRACED | WNOHANG)
                if reaped <= 0 { break }
                if status & 0xFF == 0x7F {
                    // Stopped: stop too, so agentops-run sees it; continued, continue it.
                    kill(getpid(), SIGSTOP)
                    kill(-pid, SIGCONT)
                    continue
                }
                end(like: status)
            }
        }
    }

    /// Exits as the command did: its code, or death by its signal (no core dump).
    private static func end(like status: Int32) -> Never {
        let signal = status & 0x7F
        guard signal != 0 else { _exit((status >> 8) & 0xFF) }
        SignalDeath.die(by: signal)
    }
}
