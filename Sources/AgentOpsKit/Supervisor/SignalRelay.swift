import AgentOpsExec
import Foundation

/// Catches every signal a supervisor forwards (`SignalTable.forwarded`) and hands
/// each to `onSignal` on a dedicated thread (through `SignalPipe`: a handler may do
/// almost nothing, so it only writes the number to a pipe the thread reads).
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
    private let started = NSLock()
    private var isStarted = false

    /// Installs the handlers. Only one relay may exist in a process.
    ///
    /// Signals caught from here on wait in the pipe, in order, until `start`: the relay
    /// thread is started once the command runs, because a thread created on the way to
    /// the command's start costs the launch its creation and a share of the second core
    /// (issue 18), and a signal caught before the command exists is only queued for it
    /// anyway (`Supervisor.deliver`).
    ///
    /// - Parameter onSignal: called on the relay thread, once per delivered signal.
    public init(onSignal: @escaping @Sendable (Int32) -> Void) {
        readFD = SignalPipe.open()
        self.onSignal = onSignal
        for signal in Self.forwardedSignals where !StartupSignals.wasIgnored(signal) {
            SignalPipe.install(for: signal)
        }
    }

    /// Starts the relay thread, which hands on the signals caught so far, then each as
    /// it comes. Only the first call does anything.
    ///
    /// - Returns: false when no thread could be had (`ulimit -u`): the caller then
    ///   hands on what `pending()` gives, now and then.
    @discardableResult
    public func start() -> Bool {
        let first = started.withLock {
            defer { isStarted = true }
            return !isStarted
        }
        guard first else { return true }
        return PlainThread.start(name: "agentops-run signals") { [self] in relay() }
    }

    /// The signals caught and not yet handed on, for a relay whose thread could not be
    /// started; they are not handed to `onSignal`.
    public func pending() -> [Int32] { SignalPipe.pending(in: readFD) }

    private func relay() {
        while let signal = SignalPipe.next(from: readFD) { onSignal(signal) }
    }
}
