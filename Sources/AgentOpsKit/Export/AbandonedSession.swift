/// A session whose recorder is gone without writing its end: agentops-run killed with
/// SIGKILL, the machine stopped. Nothing will ever end it, so exporting only ended
/// sessions would keep it from every backend; waiting for an end is only right while
/// the session may still be running.
///
/// Once `SessionActivity` says it is not running (no process of this user has it in
/// `AGENTOPS_SESSION_ID`, and its log was not written in the last minute), exporters
/// take what was recorded with this end added. The end is not written into the log:
/// the log keeps what happened (README: the session reads `Indeterminate` with no end
/// timestamp), and an `agentops end` or a late writer can still change it, after which
/// the session is exported again with the same ids.
public enum AbandonedSession {
    /// What an exporter asks, when the log it read holds no end, for the end to give the
    /// session (nil: none, it may still be running). Asked only then, so exporting an
    /// ended session costs nothing more.
    public typealias Closing = (SessionSummary) -> StoreRecord.EndRecord?

    /// The end exporters give the session of `summary`, logged at `path`: Indeterminate
    /// (Fail when a Fail was declared inside it), at the log's last write, with a reason
    /// that says so; nil when it ended or may still be running.
    public static func closing(_ summary: SessionSummary, path: String,
                               activity: SessionActivity) -> StoreRecord.EndRecord? {
        guard summary.end == nil, !activity.isRunning(summary, path: path) else { return nil }
        guard let status = Files.status(path) else { return nil }
        // Seconds from the file system, far inside Int64's microseconds; still, a
        // corrupt or hostile mtime must not trap.
        let (seconds, overflow) = status.modifiedSeconds.multipliedReportingOverflow(by: 1_000_000)
        let written = overflow ? summary.session.initTimestamp
            : Timestamp(microseconds: seconds).adding(microseconds: status.modifiedNanoseconds / 1_000)
        let at = max(summary.session.initTimestamp, written)
        var state = EndState.indeterminate
        var reason = "No end was recorded: the recording process is gone (killed, or its machine stopped); "
            + "exported as last written at \(at)"
        if let declared = summary.declared {
            state = max(state, declared.state)
            reason = "Declared \(declared.state.rawValue)" + (declared.reason.map { ": \($0)" } ?? "") + "; " + reason
        }
        return StoreRecord.EndRecord(timestamp: at, state: state, reason: reason)
    }
}
