import Foundation

/// Turns how the command ended into the session's end state and a reason a person
/// understands.
public enum EndReason {
    /// Signals that ask the command to stop: receiving one makes the run a `Fail` even
    /// if the command then exits 0 (it was stopped, it did not finish), as the SDK
    /// ends a session `Fail` on SIGINT and SIGTERM.
    public static var stopSignals: Set<Int32> { Supervisor.stopSignals }

    /// The end state and reason for a command that ran.
    ///
    /// - Parameters:
    ///   - exit: how the command ended.
    ///   - forwardedSignals: signals agentops-run received and passed on.
    ///   - interventions: what agentops-run did on its own (timeout, escalation).
    public static func of(exit: ChildExit, forwardedSignals: [Int32],
                          interventions: [Supervisor.Intervention] = []) -> (EndState, String) {
        let stopped = forwardedSignals.filter { stopSignals.contains($0) }
        let state: EndState = exit == .exited(0) && stopped.isEmpty && interventions.isEmpty ? .success : .fail
        var parts: [String] = []
        var names: [String] = []
        // Job-control and window signals do not explain an end: not named.
        let explaining = forwardedSignals.filter { ![SIGCONT, SIGTSTP, SIGWINCH].contains($0) }
        for signal in explaining where !names.contains(SignalNames.name(of: signal)) {
            names.append(SignalNames.name(of: signal))
        }
        if !names.isEmpty {
            let noun = names.count == 1 ? "Signal" : "Signals"
            parts.append("\(noun) \(names.joinedStrings(separator: ", ")) detected and forwarded to the command")
        }
        var steps: [String] = []
        for intervention in interventions {
            switch intervention {
            case let .timedOut(after, signal):
                steps.append("timed out after \(DurationFormat.sdk(after)): sent \(SignalNames.name(of: signal))")
            case .interruptedTwice:
                steps.append("interrupted twice: sent SIGTERM")
            case let .costLimit(limit, cost, signal):
                steps.append("cost $\(Cost.sdkFormat(cost)) passed the --max-cost limit of $\(Cost.exactText(limit)): "
                    + "sent \(SignalNames.name(of: signal))")
            case let .killed(after):
                steps.append(after > 0 ? "then SIGKILL after \(DurationFormat.sdk(after))" : "then SIGKILL")
            }
        }
        if !steps.isEmpty { parts.append(steps.joinedStrings(separator: ", ")) }
        parts.append(exit.description)
        return (state, capitalizedFirst(parts.joinedStrings(separator: "; ")))
    }

    /// agentops-run's own exit for a command that ran: as `timeout(1)`, 124 when it
    /// timed out (or passed `--max-cost`) and 137 when it then had to be killed;
    /// otherwise the command's status or its death.
    public static func wrapperExit(exit: ChildExit, interventions: [Supervisor.Intervention]) -> WrapperExit {
        if !limitsReached(interventions).isEmpty {
            let killed = interventions.contains { if case .killed = $0 { return true } else { return false } }
            return .code(killed || exit == .signaled(SIGKILL, coreDumped: false) ? 137 : 124)
        }
        switch exit {
        case let .exited(code): return .code(code)
        case let .signaled(signal, _): return .signal(signal)
        }
    }

    /// The limits agentops-run enforced (`--timeout`, `--max-cost`), one sentence each,
    /// for warnings.
    public static func limitsReached(_ interventions: [Supervisor.Intervention]) -> [String] {
        interventions.compactMap { intervention in
            switch intervention {
            case let .timedOut(after, _):
                return "the command was stopped at the --timeout of \(DurationFormat.sdk(after))"
            case let .costLimit(limit, cost, _):
                return "the command was stopped: the session's cost $\(Cost.sdkFormat(cost)) passed the --max-cost "
                    + "limit of $\(Cost.exactText(limit))"
            case .interruptedTwice, .killed:
                return nil
            }
        }
    }

    /// The end state and reason for a command that could not be started.
    public static func of(launchError: LaunchError) -> (EndState, String) {
        switch launchError {
        case let .commandNotFound(name, _):
            // The error line already named the search path; the reason says it once.
            return (.fail, "Command not found: \(SystemString.displayed(name)) (exit 127)")
        case .noSuchFile:
            return (.fail, "Command not found: \(launchError) (exit 127)")
        case .notExecutable, .cannotPrepare, .tooLongWithAddedVariables:
            // Its own exit status: a script whose interpreter is missing is 127.
            return (.fail, "Command could not be started: \(launchError) (exit \(launchError.exitCode))")
        }
    }

    /// Combines a state declared from inside the session with the one the exit gives:
    /// the worse of the two (Fail > Indeterminate > Success), and a reason that keeps
    /// both, as the declared reason followed by what the exit says.
    public static func combine(declared: StoreRecord.DeclaredEnd?, with exit: (EndState, String)) -> (EndState, String) {
        guard let declared else { return exit }
        let declaredText = "Declared \(declared.state.rawValue)" + (declared.reason.map { ": \($0)" } ?? "")
        return (max(declared.state, exit.0), declaredText + "; " + exit.1)
    }

    private static func capitalizedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        // String + String: the generic `+` of a `Substring` looks up its conformances at
        // run time, after the command ended, on the way to the closing line (issue 18).
        return first.uppercased() + String(text.dropFirst())
    }
}
