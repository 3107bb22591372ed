/// Somewhere a session's records go: the local store always, the AgentOps API when a
/// key is set, later others.
public protocol RecordSink: AnyObject, Sendable {
    /// A short name for warnings ("local store").
    var name: String { get }
    /// Takes records in order. Errors are reported once by the recorder and never
    /// reach the child or its output.
    func write(_ records: [StoreRecord]) throws
}

/// The local store as a sink: appends to the session's file.
public final class StoreSink: RecordSink {
    public let name = "local store"
    private let file: SessionFile

    /// A sink appending to `file`.
    public init(file: SessionFile) { self.file = file }

    public func write(_ records: [StoreRecord]) throws { try file.append(records) }
}
