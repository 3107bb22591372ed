import Foundation

/// A running `agentops` helper (`AgentOpsTool.start`): its `Process` and the semaphore its
/// exit signals, so that waiting for it, stopping it and reading how it ended are spelled
/// once for the background export and the LLM proxy.
///
/// `@unchecked Sendable`: `Process` is not `Sendable`, and this reads only its pid, and its
/// status after the semaphore said it ended.
final class AgentOpsToolProcess: @unchecked Sendable {
    private let process: Process
    private let exited: DispatchSemaphore

    /// Wraps a `process` whose termination handler signals `exited` (once).
    init(_ process: Process, exited: DispatchSemaphore) {
        self.process = process
        self.exited = exited
    }

    /// Waits at most `seconds` for the process to end.
    ///
    /// - Returns: whether it has ended; once true, true at once for every later call.
    func waitForExit(within seconds: Double) -> Bool {
        guard exited.wait(timeout: .now() + seconds) == .success else { return false }
        // The one signal is used up by this wait: give it back, so the exit stays seen.
        exited.signal()
        return true
    }

    /// Whether it has ended by now, without waiting: also before Foundation's handler
    /// thread said so (a thread that can first run milliseconds after the end on a busy
    /// machine), from Foundation's reap or, before that, from the exit waiting to be
    /// reaped.
    var hasEnded: Bool {
        if waitForExit(within: 0) || !process.isRunning { return true }
        switch ChildWait.now(process.processIdentifier) {
        case .changed(.exited), .changed(.killed), .reaped: return true
        case .running, .changed(.stopped): return false
        }
    }

    /// Sends it `signal`, then SIGKILL when it has not ended a second later.
    func stop(with signal: Int32) {
        Signals.send(signal, to: process.processIdentifier)
        if !waitForExit(within: 1), signal != SignalNumber.kill {
            Signals.send(SignalNumber.kill, to: process.processIdentifier)
        }
    }

    /// How it ended (`exit status 1`, `killed by SIGKILL`), once Foundation has its
    /// status (Foundation traps on reading it before).
    var ending: String {
        guard !process.isRunning else { return "how, not known yet" }
        return process.terminationReason == .exit ? "exit status \(process.terminationStatus)"
            : "killed by \(SignalNames.name(of: process.terminationStatus))"
    }

    /// Whether it exited with status 0; only meaningful once `waitForExit` said it ended.
    var succeeded: Bool { process.terminationReason == .exit && process.terminationStatus == 0 }
}
