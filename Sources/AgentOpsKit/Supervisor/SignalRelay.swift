import AgentOpsExec
import Foundation
import Glibc

/// `nonisolated(unsafe)`: set once before any handler is installed, then only read by
/// the handler (a C handler cannot reach anything isolated or locked).
nonisolated(unsafe) private var relayPipeWriteFD: Int32 = -1
/// The dispositions our handlers replaced, restored when agentops-run faults itself.
/// A plain buffer: the handler must not touch Swift arrays or sets (not async-signal-safe).
/// `nonisolated(unsafe)`: filled while installing, before the signal can arrive.
nonisolated(unsafe) private let previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

/// The handler only writes the signal number to a pipe: the one async-signal-safe
/// way to hand a signal to a normal thread. `SA_SIGINFO` tells who sent it: a fault
/// the kernel raised in agentops-run (si_code > 0), or an `abort()` of its own, gets
/// the previous disposition back and happens again, so it crashes as it would have;
/// agentops-run's own SIGPIPE and SIGXFSZ are dropped (the write fails instead).
private let relayHandler: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?)
    -> Void = { signal, info, _ in
    let savedErrno = errno
    defer { errno = savedErrno }
    let code = info?.pointee.si_code ?? 0
    let fromSelf = code <= 0 && info?.pointee._sifields._kill.si_pid == getpid()
    let isFault = signal == SIGILL || signal == SIGTRAP || signal == SIGABRT || signal == SIGBUS
        || signal == SIGFPE || signal == SIGSEGV
    if isFault, code > 0 || fromSelf {
        sigaction(signal, previousActions + Int(signal), nil)
        // A fault re-executes the instruction on return; a raised one is raised again.
        if code <= 0 { raise(signal) }
        return
    }
    if signal == SIGPIPE || signal == SIGXFSZ, fromSelf { return }
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(relayPipeWriteFD, &byte, 1)
}

/// Catches every signal a supervisor forwards (`SignalTable.forwarded`) and hands
/// each to `onSignal` on a dedicated thread.
///
/// Handlers (not `SIG_IGN`, not a blocked mask with `sigwait`) because `exec` resets
/// caught signals to their default in the child, while ignored ones and the mask
/// would leak into it. Signals that were ignored when agentops-run started are left
/// ignored, so `nohup agentops-run …` keeps the child immune to SIGHUP.
///
/// `@unchecked Sendable`: immutable after `init` but for the relay thread's own state.
public final class SignalRelay: @unchecked Sendable {
    /// The signals forwarded to the child's process group. SIGTSTP is forwarded
    /// rather than left to stop agentops-run alone: the command stops, and
    /// agentops-run follows it (see `Supervisor`).
    public static var forwardedSignals: [Int32] { SignalTable.forwarded }

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
            install(for: signal)
        }
        let thread = Thread { [self] in relay() }
        thread.name = "agentops-run signals"
        thread.start()
    }

    private func install(for signal: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = relayHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART | SA_SIGINFO
        sigaction(signal, &action, previousActions + Int(signal))
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
