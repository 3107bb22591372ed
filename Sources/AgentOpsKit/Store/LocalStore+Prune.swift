extension LocalStore {
    /// Removes old sessions of `listing`, with every exporter's cursor of theirs.
    ///
    /// - Parameters:
    ///   - listing: the store listed (`listing(warningOn:)`, so that an index that could
    ///     not be saved is said as for any other listing).
    ///   - olderThan: remove sessions started more than this many seconds before `now`.
    ///   - keep: never remove the `keep` most recently started sessions; with no
    ///     `olderThan`, remove all others.
    ///   - dryRun: only say which would go.
    /// - Returns: the ids removed (or that would be), newest first, then the logs that
    ///   hold no session (`SessionListing.withoutSession`) last written over a minute
    ///   and over `olderThan` ago.
    /// - Note: a session whose log changed in the last minute and that has not ended
    ///   may still be running, and is never removed.
    public func prune(_ listing: SessionListing, olderThan: Double?, keep: Int?, dryRun: Bool = false,
                      now: Timestamp = .now()) -> [SessionID] {
        let summaries = listing.summaries()
        var removed: [SessionID] = []
        for (rank, summary) in summaries.enumerated() {
            if let keep, rank < keep { continue }
            if let olderThan, summary.session.initTimestamp.seconds(until: now) <= olderThan { continue }
            let path = path(of: summary.session.id)
            if summary.end == nil, let log = Files.status(path),
               Clock.wallSeconds().subtractingReportingOverflow(log.modifiedSeconds).partialValue < 60 { continue }
            removed.append(summary.session.id)
        }
        // A log without a session is no one's (a run that died as it started, a file cut
        // before its start record), so `keep` does not count it; its last write stands
        // for its start, and the minute for a log whose start record is being written.
        let wall = Clock.wallSeconds()
        for id in listing.withoutSession {
            guard let log = Files.status(path(of: id)) else { continue }
            let age = wall.subtractingReportingOverflow(log.modifiedSeconds).partialValue
            guard age >= 60, olderThan.map({ Double(age) > $0 }) ?? true else { continue }
            removed.append(id)
        }
        return dryRun ? removed : remove(removed).removed
    }

    /// Removes sessions `ids` with their cursors (those `prune(dryRun: true)` chose and
    /// a person confirmed).
    ///
    /// - Returns: the ids removed, and those that could not be, each with why (a
    ///   read-only sessions folder: every one of them, with EACCES).
    @discardableResult
    public func remove(_ ids: [SessionID]) -> (removed: [SessionID], failed: [(id: SessionID, reason: String)]) {
        var removed: [SessionID] = [], failed: [(id: SessionID, reason: String)] = []
        for id in ids {
            guard StoreFolders.remove(path(of: id)) else {
                let error = SystemError()
                // Gone meanwhile (another prune): nothing left to remove.
                if !error.isNoSuchFile { failed.append((id, errnoText(error.code))) }
                continue
            }
            removeCursors(of: id)
            removed.append(id)
        }
        return (removed, failed)
    }

    /// Removes every `ID.<exporter>` file of session `id`.
    private func removeCursors(of id: SessionID) {
        let prefix = id.value + "."
        let names = (DirectoryListing.names(in: sessionsFolder) ?? [])
            .filter { $0.hasPrefix(prefix) && !$0.hasSuffix(".jsonl") }
        for name in names { StoreFolders.remove(sessionsFolder + "/" + name) }
    }
}
