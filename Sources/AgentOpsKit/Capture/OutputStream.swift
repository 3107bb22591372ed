/// Which of the command's output streams bytes came from.
public enum OutputStream: String, Sendable, CaseIterable {
    case stdout
    case stderr

    /// The wrapper's own descriptor the stream passes through to.
    public var fileDescriptor: Int32 { self == .stdout ? 1 : 2 }
}
