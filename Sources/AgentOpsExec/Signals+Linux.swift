#if hasFeature(Embedded)
import CExecSystem  // agentops-run-exec (Sources/CExecSystem says why)
#else
import Glibc
#endif

/// Which signals agentops-run catches and forwards on Linux.
///
/// The rule, as tini's: every catchable signal is forwarded, except the few a
/// supervisor must leave to the kernel: SIGKILL and SIGSTOP (cannot be caught),
/// SIGCHLD (about our own child, not for it), SIGTTIN and SIGTTOU (job control stops
/// agentops-run itself), and glibc's two internal real-time signals (32, 33).
/// The fault signals (SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV) are forwarded
/// only when another process sent them (si_code ≤ 0): a real fault in agentops-run
/// still crashes it. SIGPIPE and SIGXFSZ the kernel raises for agentops-run's own
/// writes are dropped (the write fails with EPIPE or EFBIG instead); sent by another
/// process they are forwarded. `SignalRelay` applies the rule.
public enum SignalTable {
    /// The first real-time signal applications may use (glibc keeps 32 and 33).
    public static var realTimeMin: Int32 { __libc_current_sigrtmin() }
    /// The last real-time signal.
    public static var realTimeMax: Int32 { __libc_current_sigrtmax() }

    /// Every signal agentops-run catches and forwards to the command's group.
    public static let forwarded: [Int32] = {
        // An array, not a `Set`: this runs first thing in agentops-run, and the first use
        // of `Int32: Hashable` costs a scan of the binary's conformance table (issue 18).
        let never: [Int32] = [SIGKILL, SIGSTOP, SIGCHLD, SIGTTIN, SIGTTOU]
        let standard = (Int32(1)...Int32(31)).filter { !never.contains($0) }
        return standard + Array(realTimeMin...realTimeMax)
    }()

    /// `SIGRTMIN+2` for a real-time signal; nil for the others.
    public static func realTimeName(of signal: Int32) -> String? {
        guard signal >= realTimeMin, signal <= realTimeMax else { return nil }
        if signal == realTimeMax { return "SIGRTMAX" }
        return signal == realTimeMin ? "SIGRTMIN" : "SIGRTMIN+\(signal - realTimeMin)"
    }
}

/// Dying of a signal as a child did, the way `timeout(1)` and tini pass a child's
/// death on.
public enum SignalDeath {
    /// Ends this process by `signal`: core dumps off (the child already dumped, if it
    /// was going to), the default action back, the signal unblocked, then raised.
    /// If it does not kill (a signal whose default is to ignore), exit 128 + N, the
    /// shell's convention.
    public static func die(by number: Int32) -> Never {
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit)
        signal(number, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        kill(getpid(), number)
        exit(128 + number)
    }
}
