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

extension SessionLog: RecordSink {}
