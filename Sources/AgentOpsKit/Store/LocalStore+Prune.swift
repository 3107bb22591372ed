import Glibc

extension LocalStore {
    /// Removes old sessions, with every exporter's cursor of theirs.
    ///
    /// - Parameters:
    ///   - olderThan: remove sessions started more than this many seconds before `now`.
    ///   - keep: never remove the `keep` most recently started sessions; with no
    ///     `olderThan`, remove all others.
    ///   - dryRun: only say which would go.
    /// - Returns: the ids removed (or that would be), newest first.
    /// - Throws: `StoreError` when the store cannot be listed.
    /// - Note: a session whose log changed in the last minute and that has not ended
    ///   may still be running, and is never removed.
    public func prune(olderThan: Double?, keep: Int?, dryRun: Bool = false,
                      now: Timestamp = .now()) throws(StoreError) -> [SessionID] {
        let summaries = try summaries()
        var removed: [SessionID] = []
        for (rank, summary) in summaries.enumerated() {
            if let keep, rank < keep { continue }
            if let olderThan, summary.session.initTimestamp.seconds(until: now) <= olderThan { continue }
            let path = path(of: summary.session.id)
            var info = stat()
            if summary.end == nil, stat(path, &info) == 0, Int(time(nil)) - Int(info.st_mtim.tv_sec) < 60 { continue }
            removed.append(summary.session.id)
        }
        return dryRun ? removed : remove(removed)
    }

    /// Removes sessions `ids` with their cursors (those `prune(dryRun: true)` chose and
    /// a person confirmed).
    ///
    /// - Returns: the ids removed.
    @discardableResult
    public func remove(_ ids: [SessionID]) -> [SessionID] {
        ids.filter { id in
            guard unlink(path(of: id)) == 0 else { return false }
            removeCursors(of: id)
            return true
        }
    }

    /// Removes every `ID.<exporter>` file of session `id`.
    private func removeCursors(of id: SessionID) {
        guard let dir = opendir(sessionsFolder) else { return }
        defer { closedir(dir) }
        let prefix = id.value + "."
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(prefix), !name.hasSuffix(".jsonl") { names.append(name) }
        }
        for name in names { unlink(sessionsFolder + "/" + name) }
    }
}
