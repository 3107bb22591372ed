import Synchronization

/// The session log as this run's recorder appends to it, with the summary of what it
/// appended: when nobody else wrote to the log, that is the log's summary, and the
/// closing line needs no read-back.
///
/// Reading the log back was the closing line's cost: 50 ms for a run that filled its
/// 16 MiB capture head (BENCHMARKS.md), proportional to what was recorded. Folding each
/// record as it is appended costs a counter increment for captured output. When another
/// writer appended (a nested run, `agentops event`, `agentops end`), or the log held
/// records before this run, `SessionLog.onlyOwnAppends` says so and the log is read back
/// as before.
final class SummarizingSink: RecordSink {
    let log: SessionLog
    private let summary = Mutex<SessionSummary?>(nil)

    init(log: SessionLog) { self.log = log }

    func append(_ records: [StoreRecord], oversize: OversizePolicy) throws(StoreError) -> [OversizedRecord] {
        let left = try log.append(records, oversize: oversize)
        // What the log refused is not in it, so it is not folded either.
        if !left.isEmpty, oversize == .refuseAll { return left }
        let refused = Set(left.map(\.position))
        // The recorder appends one batch at a time, so folding after the append keeps
        // the file's order.
        summary.withLock { summary in
            for (position, record) in records.enumerated() where !refused.contains(position) {
                SessionSummary.fold(record, into: &summary)
            }
        }
        return left
    }

    /// The log's summary from what this run appended, when only this run wrote to it;
    /// nil otherwise (read it back).
    var ownSummary: SessionSummary? {
        guard log.onlyOwnAppends else { return nil }
        return summary.withLock { $0 }
    }
}
