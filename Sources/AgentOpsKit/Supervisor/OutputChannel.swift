/// Where one of the command's output streams goes: a pipe, or a pseudo-terminal when
/// the command should see a terminal (colours, `isatty`, `tput cols`) while every byte
/// is still captured.
public struct OutputChannel: Sendable {
    /// The end agentops-run reads.
    public let parentFD: Int32
    /// The end given to the command as its stdout or stderr; the parent closes its
    /// copy once the command runs.
    public let childFD: Int32
    /// Whether this is a pseudo-terminal.
    public let isTerminal: Bool

    /// A pipe with a 1 MiB buffer: with the default 64 KiB a child writing large blocks
    /// stalls on every write (measured 3.5× slower for `dd bs=1M`).
    public static func pipe() throws(LaunchError) -> OutputChannel {
        guard let pair = PipePair.make() else {
            throw .cannotPrepare(what: "a pipe", reason: errnoText())
        }
        Descriptors.setPipeBuffer(pair.read, bytes: 1 << 20)
        return OutputChannel(parentFD: pair.read, childFD: pair.write, isTerminal: false)
    }

    /// A pseudo-terminal in raw mode, so the bytes the command writes arrive unchanged
    /// (no `\n` → `\r\n`: agentops-run's own terminal does its usual translation when
    /// they pass through), sized like `sizeSource`.
    public static func terminal(sizedLike sizeSource: Int32) throws(LaunchError) -> OutputChannel {
        guard let (master, slave) = TerminalPlatform.openPair() else {
            throw .cannotPrepare(what: "a pseudo-terminal", reason: errnoText())
        }
        TerminalPlatform.makeRaw(slave)
        let channel = OutputChannel(parentFD: master, childFD: slave, isTerminal: true)
        if let size = WindowSize.of(sizeSource) { size.apply(to: master) }
        return channel
    }
}

/// When the command gets terminals.
public enum TerminalMode: String, Sendable, CaseIterable {
    /// At a terminal (stdin, stdout and stderr one terminal, agentops-run in the
    /// foreground): one pseudo-terminal as the command's controlling terminal and all
    /// three streams, recorded as one stream. Otherwise a pseudo-terminal for each
    /// output stream whose destination is a terminal, pipes for the others.
    case auto
    /// As `auto` at a terminal; elsewhere pseudo-terminals for both output streams,
    /// even when agentops-run's are not terminals.
    case always
    /// A pseudo-terminal for each output stream whose destination is a terminal, so
    /// stdout and stderr are still told apart; stdin stays agentops-run's (see the
    /// man page for what that cannot do).
    case split
    /// Pipes always.
    case never

    /// Whether `stream` gets a pseudo-terminal of its own (when not interactive).
    public func usesTerminal(for stream: OutputStream) -> Bool {
        switch self {
        case .auto, .split: return Descriptors.isTerminal(stream.fileDescriptor)
        case .always: return true
        case .never: return false
        }
    }

    /// Whether this mode gives the command one controlling pseudo-terminal when
    /// agentops-run runs at a terminal.
    public var allowsInteractive: Bool { self == .auto || self == .always }
}
