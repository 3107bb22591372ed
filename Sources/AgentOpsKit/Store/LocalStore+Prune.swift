import Glibc

extension LocalStore {
    /// Removes old sessions.
    ///
    /// - Parameters:
    ///   - olderThan: remove sessions started more than this many seconds before `now`.
    ///   - keep: never remove the `keep` most recently started sessions; with no
    ///     `olderThan`, remove all others.
    /// - Returns: the ids removed, newest first.
    /// - Note: a session whose file changed in the last minute and that has not ended
    ///   may still be running, and is never removed.
    public func prune(olderThan: Double?, keep: Int?, now: Timestamp = .now()) -> [SessionID] {
        let summaries = summaries()
        var removed: [SessionID] = []
        for (rank, summary) in summaries.enumerated() {
            if let keep, rank < keep { continue }
            if let olderThan, summary.session.initTimestamp.seconds(until: now) <= olderThan { continue }
            let path = path(of: summary.session.id)
            var info = stat()
            if summary.end == nil, stat(path, &info) == 0, Int(time(nil)) - Int(info.st_mtim.tv_sec) < 60 { continue }
            if unlink(path) == 0 {
                unlink(SyncState.path(store: self, id: summary.session.id))
                removed.append(summary.session.id)
            }
        }
        return removed
    }
}
