import Glibc

/// Turns how the command ended into the session's end state and a reason a person
/// understands.
public enum EndReason {
    /// Signals that ask the command to stop: receiving one makes the run a `Fail` even
    /// if the command then exits 0 (it was stopped, it did not finish), as the SDK
    /// ends a session `Fail` on SIGINT and SIGTERM.
    public static let stopSignals: Set<Int32> = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// The end state and reason for a command that ran.
    ///
    /// - Parameters:
    ///   - exit: how the command ended.
    ///   - forwardedSignals: signals agentops-run received and passed on.
    public static func of(exit: ChildExit, forwardedSignals: [Int32]) -> (EndState, String) {
        let stopped = forwardedSignals.filter { stopSignals.contains($0) }
        let state: EndState = exit == .exited(0) && stopped.isEmpty ? .success : .fail
        var reason = exit.description
        var names: [String] = []
        for signal in forwardedSignals where !names.contains(SignalNames.name(of: signal)) {
            names.append(SignalNames.name(of: signal))
        }
        if !names.isEmpty {
            let noun = names.count == 1 ? "Signal" : "Signals"
            reason = "\(noun) \(names.joined(separator: ", ")) detected and forwarded to the command; " + reason
        }
        return (state, capitalizedFirst(reason))
    }

    /// The end state and reason for a command that could not be started.
    public static func of(launchError: LaunchError) -> (EndState, String) {
        switch launchError {
        case .commandNotFound, .noSuchFile:
            return (.fail, "Command not found: \(launchError) (exit 127)")
        case .notExecutable:
            return (.fail, "Command could not be started: \(launchError) (exit 126)")
        }
    }

    private static func capitalizedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }
}
