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
///
/// The log can be opened by the first append rather than up front (`init(opening:…)`):
/// a new session's file is then created by the thread that writes its start record,
/// beside the exec helper's spawn, not on the launch path. Creating a file costs 14 µs
/// in a quiet folder, but 0.8 ms where many files were deleted in the last half minute
/// (ext4 skips their inodes one by one), as in a `/tmp` where test suites run (issue 18).
final class SummarizingSink: RecordSink {
    /// Whether the log is open yet.
    private enum Log {
        case pending(@Sendable () throws(StoreError) -> SessionLog)
        case open(SessionLog)
        case unavailable
    }

    private let state: Mutex<Log>
    private let cannotOpen: @Sendable (StoreError) -> Void
    private let summary = Mutex<SessionSummary?>(nil)

    /// A sink appending to `log`, open already.
    init(log: SessionLog) {
        state = Mutex(.open(log))
        cannotOpen = { _ in }
    }

    /// A sink whose log `opening` opens at the first append (or `openNow`); when it
    /// cannot, `cannotOpen` is told once and records are only counted, as with no store.
    init(opening: @escaping @Sendable () throws(StoreError) -> SessionLog,
         cannotOpen: @escaping @Sendable (StoreError) -> Void) {
        state = Mutex(.pending(opening))
        self.cannotOpen = cannotOpen
    }

    /// Opens the log now if it is not open yet.
    func openNow() { _ = openedLog() }

    /// The log, opened the first time; nil when it cannot be.
    private func openedLog() -> SessionLog? {
        state.withLock { state in
            switch state {
            case let .open(log):
                return log
            case .unavailable:
                return nil
            case let .pending(opening):
                do throws(StoreError) {
                    let log = try opening()
                    state = .open(log)
                    return log
                } catch {
                    state = .unavailable
                    cannotOpen(error)
                    return nil
                }
            }
        }
    }

    func append(_ records: [StoreRecord], oversize: OversizePolicy) throws(StoreError) -> [OversizedRecord] {
        // No log: counted by the recorder only, as when a run has no store at all.
        guard let log = openedLog() else { return [] }
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
        guard let log = state.withLock({ state -> SessionLog? in
            if case let .open(log) = state { return log }
            return nil
        }), log.onlyOwnAppends else { return nil }
        return summary.withLock { $0 }
    }
}
