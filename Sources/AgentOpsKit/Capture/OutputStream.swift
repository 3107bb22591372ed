/// Which of the command's output streams bytes came from.
public enum OutputStream: String, Sendable, CaseIterable {
    case stdout
    case stderr
    /// The command's controlling pseudo-terminal in an interactive run: stdout and
    /// stderr together, in their order, not told apart.
    case terminal

    /// The wrapper's own descriptor the stream passes through to.
    public var fileDescriptor: Int32 { self == .stderr ? 2 : 1 }
}
