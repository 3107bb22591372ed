import AgentOpsExec

/// How the child ended.
public enum ChildExit: Sendable, Equatable {
    /// It called `exit` with this code (0–255).
    case exited(Int32)
    /// A signal killed it.
    case signaled(Int32, coreDumped: Bool)

    /// The exit code, when it exited.
    public var exitCode: Int32? {
        if case let .exited(code) = self { return code }
        return nil
    }

    /// The name of the signal that killed it (`SIGTERM`), when one did.
    public var signalName: String? {
        if case let .signaled(signal, _) = self { return SignalNames.name(of: signal) }
        return nil
    }

    /// In words, for the session's end reason.
    public var description: String {
        switch self {
        case let .exited(code):
            return "command exited with code \(code)"
        case let .signaled(signal, coreDumped):
            return "command was killed by signal \(SignalNames.name(of: signal))" + (coreDumped ? " (core dumped)" : "")
        }
    }
}

/// What agentops-run itself should end with.
public enum WrapperExit: Sendable, Equatable {
    /// Exit with this status.
    case code(Int32)
    /// Die of this signal, as the child did, so a calling shell sees the same death.
    case signal(Int32)

    /// Ends the process accordingly (a signal: `SignalDeath.die(by:)`); does not return.
    public func terminate() -> Never {
        switch self {
        case let .code(code): ThisProcess.exit(code)
        case let .signal(signal): SignalDeath.die(by: signal)
        }
    }
}
