/// agentops-run's own lines on stderr: prefixed, coloured only on a terminal without
/// `NO_COLOR`, silenced by `--quiet` (except errors, which always show).
public struct Console: Sendable {
    /// The prefix of every line ("agentops-run").
    public let program: String
    /// Whether colour escapes are used.
    public let colour: Bool
    /// Whether informational lines are suppressed.
    public let quiet: Bool

    /// A console for `program` deciding colour from stderr and the environment.
    public init(program: String, quiet: Bool, environment: [String: String]) {
        self.program = program
        self.quiet = quiet
        self.colour = Descriptors.isTerminal(2) && environment["NO_COLOR"].map(\.isEmpty) ?? true
            && environment["TERM"] != "dumb"
    }

    /// An informational line (not shown with `--quiet`).
    public func info(_ text: String) {
        if !quiet { emit("\(program): \(text)") }
    }

    /// A warning: something about recording went wrong, the command is unaffected.
    public func warning(_ text: String) {
        emit("\(program): warning: \(text)")
    }

    /// An error that decides the exit status.
    public func error(_ text: String) {
        emit("\(program): \(text)")
    }

    /// `text` in the colour for `state` when colour is on.
    public func paint(_ text: String, for state: EndState) -> String {
        guard colour else { return text }
        let code: String
        switch state {
        case .success: code = "32"
        case .fail: code = "31"
        case .indeterminate: code = "33"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    private func emit(_ line: String) {
        Descriptors.writeAll(Array((line + "\n").utf8), to: 2)
    }
}
