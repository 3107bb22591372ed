import CSignals
import Glibc

/// A thread's signal mask, and which signals are ignored: the state a child inherits
/// through `posix_spawn` and `exec`.
public struct SignalMask: @unchecked Sendable {
    // `@unchecked`: `sigset_t` is a plain C array of bits, copied by value.
    private var set: sigset_t

    /// The empty mask (the usual state of a process started from a shell).
    public static var empty: SignalMask {
        var set = sigset_t()
        sigemptyset(&set)
        return SignalMask(set: set)
    }

    /// The calling thread's mask.
    public static var current: SignalMask {
        var set = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &set)
        return SignalMask(set: set)
    }

    /// Makes this the calling thread's mask.
    ///
    /// - Returns: the mask it had, to put back with another `apply()`.
    @discardableResult
    public func apply() -> SignalMask {
        var new = set
        var old = sigset_t()
        pthread_sigmask(SIG_SETMASK, &new, &old)
        return SignalMask(set: old)
    }

    /// The signals (1–64) whose disposition is `SIG_IGN` in this process now, as bits
    /// (bit N−1 for signal N): read at every start, where a `Set` would be the first of
    /// its type and cost a scan of the conformance table (issue 18).
    public static func ignoredSignals() -> UInt64 {
        var ignored: UInt64 = 0
        for signal in Int32(1)..<Int32(65) {
            var action = sigaction()
            guard sigaction(signal, nil, &action) == 0 else {
                // glibc's own signals (32, 33), which its sigaction refuses: the kernel's call.
                if agentops_signal_is_ignored(signal) == 1 { ignored |= 1 << UInt64(signal - 1) }
                continue
            }
            if isIgnore(action.__sigaction_handler.sa_handler) { ignored |= 1 << UInt64(signal - 1) }
        }
        return ignored
    }

    private static func isIgnore(_ handler: __sighandler_t?) -> Bool {
        guard let handler else { return false }
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }
}
