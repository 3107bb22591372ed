import Glibc

/// The signal state agentops-run was started with, captured before any thread exists.
///
/// The child must get exactly this: Foundation's `posix_spawn` passes on the calling
/// thread's mask (dispatch and cooperative-pool threads block almost everything) and
/// every `SIG_IGN`, so the launcher sets this mask around `run()` and the relay leaves
/// signals that were ignored at start alone.
public enum StartupSignals {
    // `nonisolated(unsafe)`: written once by `capture()` first thing in `main`, before
    // any other thread exists; only read afterwards.
    nonisolated(unsafe) private static var savedMask = sigset_t()
    nonisolated(unsafe) private static var savedIgnored = Set<Int32>()
    nonisolated(unsafe) private static var captured = false

    /// Records the current thread's mask and the ignored signals. Call first thing in
    /// `main`, on the main thread.
    public static func capture() {
        var mask = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &mask)
        var ignored = Set<Int32>()
        for signal in Int32(1)..<Int32(65) {
            var action = sigaction()
            guard sigaction(signal, nil, &action) == 0 else { continue }
            if isIgnore(action.__sigaction_handler.sa_handler) { ignored.insert(signal) }
        }
        savedMask = mask
        savedIgnored = ignored
        captured = true
    }

    /// The mask the child starts with: the captured one, or empty (the usual state of
    /// a process started from a shell) when `capture()` was not called.
    public static var mask: sigset_t {
        if captured { return savedMask }
        var empty = sigset_t()
        sigemptyset(&empty)
        return empty
    }

    /// Whether `signal` was ignored when agentops-run started.
    public static func wasIgnored(_ signal: Int32) -> Bool { captured && savedIgnored.contains(signal) }

    static func isIgnore(_ handler: __sighandler_t?) -> Bool {
        guard let handler else { return false }
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }
}
