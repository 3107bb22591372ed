/// The signal state agentops-run was started with, captured before any thread exists.
///
/// The child must get exactly this: Foundation's `posix_spawn` passes on the calling
/// thread's mask (dispatch and cooperative-pool threads block almost everything) and
/// every `SIG_IGN`, so the launcher sets this mask around `run()` and the relay leaves
/// signals that were ignored at start alone.
public enum StartupSignals {
    // `nonisolated(unsafe)`: written once by `capture()` first thing in `main`, before
    // any other thread exists; only read afterwards.
    nonisolated(unsafe) private static var savedMask = SignalMask.empty
    nonisolated(unsafe) private static var savedIgnored: UInt64 = 0
    nonisolated(unsafe) private static var captured = false

    /// Records the current thread's mask and the ignored signals. Call first thing in
    /// `main`, on the main thread.
    ///
    /// SIGCHLD found ignored is put back to its default: ignored, the kernel reaps
    /// agentops-run's children itself and no exit status is left to read, so a command
    /// that failed was recorded as a success and its exit 0 (hostile pass, round 13).
    /// The command still gets it ignored, as it came (`ExecHelper.ignoredChildSignalFlag`).
    public static func capture() {
        savedMask = SignalMask.current
        savedIgnored = SignalMask.ignoredSignals()
        captured = true
        if wasIgnored(SignalNumber.childStatus) { Signals.setDefault(SignalNumber.childStatus) }
    }

    /// The mask the child starts with: the captured one, or empty (the usual state of
    /// a process started from a shell) when `capture()` was not called.
    public static var mask: SignalMask { captured ? savedMask : .empty }

    /// Whether `signal` was ignored when agentops-run started.
    public static func wasIgnored(_ signal: Int32) -> Bool {
        captured && (1...64).contains(signal) && savedIgnored & (1 << UInt64(signal - 1)) != 0
    }
}
