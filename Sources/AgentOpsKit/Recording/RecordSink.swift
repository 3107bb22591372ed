/// Where a recorder appends: the session log in a run, an in-memory list in tests.
///
/// The contract: `append` takes whole records in order and returns once they are
/// stored or refused; it may block only as long as a local file write (never on the
/// network, which is the exporters' business, behind the log), because it runs on the
/// capture threads right after the command's output was passed through. It throws
/// rather than reports: the recorder decides what a failure means for the run.
public protocol RecordSink: AnyObject, Sendable {
    /// Appends `records` in one go, except those over the log's line limit
    /// (`SessionLog.maxLineBytes`), which `oversize` says what to do with.
    ///
    /// - Returns: those over the limit, none of them stored.
    func append(_ records: [StoreRecord], oversize: OversizePolicy) throws(StoreError) -> [OversizedRecord]
}

/// A record left out of an append because its line would be over the log's limit.
public struct OversizedRecord: Sendable, Equatable {
    /// Its position in the records given.
    public var position: Int
    /// The length its line would have had, newline included.
    public var bytes: Int

    /// A record at `position` whose line has `bytes` bytes.
    public init(position: Int, bytes: Int) {
        self.position = position
        self.bytes = bytes
    }
}

/// What an append does with records over the log's line limit: a huge span attribute
/// must not take the rest of its OTLP batch with it (`leaveOut`), while the AgentOps
/// API takes a `create_events` batch all or none (`refuseAll`).
public enum OversizePolicy: Sendable {
    /// Store the other records.
    case leaveOut
    /// Store nothing.
    case refuseAll
}

extension SessionLog: RecordSink {}
