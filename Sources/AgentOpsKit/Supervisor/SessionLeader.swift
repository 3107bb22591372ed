import Glibc

/// The exec helper's part in an interactive run: it stays as the leader of the
/// command's new session, between agentops-run and the command, as a shell does in
/// script(1).
///
/// Why a process in between: if the command itself led the session, its process
/// group would be orphaned (its parent, agentops-run, is in another session), and the
/// kernel discards Ctrl-Z's SIGTSTP for orphaned groups: nothing could be suspended.
/// With the helper as its parent in the same session the command's group is a normal
/// job: it is spawned in a group of its own, made the terminal's foreground group
/// (glibc's `posix_spawn_file_actions_addtcsetpgrp_np`, so it never reads the terminal
/// from the background), and the helper then works like tini: every forwarded
/// signal, received with `sigwaitinfo`, goes on to the command's group once; when the
/// command stops, the helper stops itself (so agentops-run sees the stop and
/// follows); when continued, it continues the command; when the command ends, the
/// helper ends the same way (its exit status, or death by the same signal).
enum SessionLeader {
    /// Spawns `command` (the resolved path first) and supervises it to the end; returns
    /// only the spawn's error code when it could not start.
    /// `status` is the exec helper's report socket: closed once the command runs.
    static func run(_ command: [String], status: Int32) -> Int32 {
        var waited = sigset_t()
        sigemptyset(&waited)
        for signal in SignalTable.forwarded + [SIGCHLD] { sigaddset(&waited, signal) }
        var original = sigset_t()
        sigprocmask(SIG_BLOCK, &waited, &original)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        posix_spawnattr_setsigmask(&attributes, &original)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        if let addForeground = addTerminalForeground { _ = addForeground(&actions, 0) }
        let argv = command.map { strdup($0) } + [nil]
        var pid: pid_t = 0
        let error = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        if error != 0 {
            sigprocmask(SIG_SETMASK, &original, nil)
            return error
        }
        close(status)
        // Without the glibc 2.35 action, at least right after: SIGTTOU blocked, since
        // the helper is not in the foreground group any more.
        TerminalPlatform.withSignalBlocked(SIGTTOU) { _ = tcsetpgrp(0, pid) }
        supervise(pid, waited: waited)
    }

    /// `posix_spawn_file_actions_addtcsetpgrp_np` (glibc ≥ 2.35), which Swift's Glibc
    /// module does not import: looked up at run time.
    private static let addTerminalForeground: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                                               Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addtcsetpgrp_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>,
                                                          Int32) -> Int32).self)
    }()

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
