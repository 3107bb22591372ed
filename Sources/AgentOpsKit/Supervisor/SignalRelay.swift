import Foundation
import Glibc

nonisolated(unsafe) private var relayPipeWriteFD: Int32 = -1

/// The handler only writes the signal number to a pipe: the one async-signal-safe
/// way to hand a signal to a normal thread.
private let relayHandler: @convention(c) (Int32) -> Void = { signal in
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(relayPipeWriteFD, &byte, 1)
    errno = savedErrno
}

private let ignoreHandler: @convention(c) (Int32) -> Void = { _ in }

/// Catches the signals a supervisor forwards and hands each to `onSignal` on a
/// dedicated thread.
///
/// Handlers (not `SIG_IGN`, not a blocked mask with `sigwait`) because `exec` resets
/// caught signals to their default in the child, while ignored ones and the mask
/// would leak into it. Signals that were ignored when agentops-run started are left
/// ignored, so `nohup agentops-run …` keeps the child immune to SIGHUP.
public final class SignalRelay: @unchecked Sendable {
    /// The signals forwarded to the child's process group.
    /// SIGTSTP is forwarded rather than left to stop agentops-run alone: the command
    /// stops, and agentops-run follows it (see `Supervisor`).
    public static let forwardedSignals: [Int32] = [
        SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGWINCH, SIGCONT, SIGTSTP,
    ]

    private let readFD: Int32
    private let onSignal: @Sendable (Int32) -> Void

    /// Installs the handlers and starts the relay thread. Only one relay may exist in
    /// a process.
    ///
    /// - Parameter onSignal: called on the relay thread, once per delivered signal.
    public init(onSignal: @escaping @Sendable (Int32) -> Void) {
        // The handler must never block: a full pipe drops a repeat of a signal that
        // is already queued, as the kernel itself does for standard signals.
        let pair = PipePair.make(nonBlockingWrite: true)
        readFD = pair?.read ?? -1
        relayPipeWriteFD = pair?.write ?? -1
        self.onSignal = onSignal
        for signal in Self.forwardedSignals where !StartupSignals.wasIgnored(signal) {
            install(relayHandler, for: signal)
        }
        // SIGPIPE: a handler that does nothing makes our writes fail with EPIPE (so the
        // pump can pass the broken pipe on) while the child still gets the default.
        if !StartupSignals.wasIgnored(SIGPIPE) { install(ignoreHandler, for: SIGPIPE) }
        // SIGXFSZ: the same, so that a store write past `ulimit -f` fails with EFBIG
        // (one warning, the recording stops) instead of killing agentops-run and
        // cutting the pass-through short; the command keeps its default or inherited
        // disposition (a caught signal is reset by exec, an ignored one stays ignored).
        if !StartupSignals.wasIgnored(SIGXFSZ) { install(ignoreHandler, for: SIGXFSZ) }
        let thread = Thread { [self] in relay() }
        thread.name = "agentops-run signals"
        thread.start()
    }

    private func install(_ handler: @convention(c) (Int32) -> Void, for signal: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(signal, &action, nil)
    }

    private func relay() {
        var byte: UInt8 = 0
        while true {
            let n = read(readFD, &byte, 1)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            onSignal(Int32(byte))
        }
    }
}
