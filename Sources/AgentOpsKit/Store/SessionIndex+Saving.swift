extension SessionIndex {
    /// Brings the index up to date: appends the `fresh` entries (their summaries, then
    /// their rows), or rewrites the rows with `kept` and `fresh` when they are missing,
    /// damaged or mostly stale, and both files when the summaries are. Best effort: a
    /// store that is not the user's own, or cannot be written, keeps the index it has.
    func save(loaded: Loaded, kept: [Kept], fresh: [Fresh]) {
        let live = kept.count + fresh.count
        let lines = loaded.lines + fresh.count
        let rewrite = !loaded.appendable || lines - live > live / 4 + slack
        guard rewrite || !fresh.isEmpty, (try? store.checkFolder(store.home)) != nil else { return }
        guard let lock = LockedFile.openLockFile(lockPath) else { return }
        defer { Descriptors.close(lock) }
        guard LockedFile.tryLock(lock) else { return }
        guard let summaries = try? SessionLog.openRegular(summariesPath, for: .appendCreating(mode: 0o600)) else {
            return
        }
        defer { Descriptors.close(summaries) }
        guard let size = LockedFile.status(summaries)?.size else { return }
        let keptBytes = kept.reduce(0) { $0 + ($1.summary?.count ?? 0) }
        if size - keptBytes > keptBytes + summarySlack {
            compact(loaded: loaded, kept: kept, fresh: fresh, summaries: summaries, size: size)
            return
        }
        // Summaries first: a row is never written before the line it points to.
        var appended: [UInt8] = []
        var rows: [UInt8] = []
        for entry in fresh {
            var placed: (at: Int, count: Int, row: SessionRow)?
            if let summary = entry.summary {
                let before = appended.count
                Self.writeSummary(id: entry.id, key: entry.key, summary: summary, into: &appended)
                placed = (size + before, appended.count - before, SessionRow(summary))
            }
            Self.writeRow(id: entry.id, key: entry.key, summary: placed, into: &rows)
        }
        if !appended.isEmpty {
            let written = Descriptors.writeAll(appended, to: summaries)
            guard written == appended.count else {
                if written > 0 { LockedFile.truncate(summaries, to: size) }
                return
            }
        }
        if rewrite {
            var bytes = Self.header
            bytes.reserveCapacity(Self.header.count + kept.reduce(0) { $0 + $1.line.count + 1 } + rows.count)
            for line in kept {
                bytes.append(contentsOf: loaded.bytes[line.line])
                bytes.append(0x0A)
            }
            bytes.append(contentsOf: rows)
            replace(path, with: bytes)
        } else {
            // Appended to whatever is at the path now, under the lock, so a rewrite by
            // another reader since `load` is appended to, not lost.
            guard let fd = try? SessionLog.openRegular(path, for: .append) else { return }
            defer { Descriptors.close(fd) }
            guard let info = LockedFile.status(fd), info.size >= Self.header.count else { return }
            var bytes: [UInt8] = LockedFile.byte(of: fd, at: info.size - 1).map { $0 != 0x0A } == true ? [0x0A] : []
            bytes.append(contentsOf: rows)
            let written = Descriptors.writeAll(bytes, to: fd)
            if written > 0, written < bytes.count { LockedFile.truncate(fd, to: info.size) }
        }
    }

    /// Rewrites both files: the summaries still pointed to, copied, and the fresh ones,
    /// then the rows pointing to where they are now. A reader that read the old rows
    /// and reads the new summaries finds lines that do not repeat its keys: misses.
    private func compact(loaded: Loaded, kept: [Kept], fresh: [Fresh], summaries: Int32, size: Int) {
        // Nothing to copy when every row was lost: the old summaries are not even read.
        let old = kept.contains { $0.summary != nil } ? LockedFile.bytes(of: summaries, at: 0, count: size) ?? [] : []
        var moved: [UInt8] = []
        var rows = Self.header
        for line in kept {
            let text = loaded.bytes[line.line]
            guard let summary = line.summary else {
                rows.append(contentsOf: text)
                rows.append(0x0A)
                continue
            }
            // A line that does not begin with the row's own id and key object is not
            // its summary: the row is dropped, and the log folded at the next listing.
            guard summary.upperBound <= old.count, old[summary.upperBound - 1] == 0x0A,
                  let keyEnd = text.firstIndex(of: UInt8(ascii: ",")), keyEnd - text.startIndex > 43,
                  old[summary].starts(with: text[..<keyEnd]),
                  let relocated = Self.relocated(text, to: moved.count) else { continue }
            moved.append(contentsOf: old[summary])
            rows.append(contentsOf: relocated)
            rows.append(0x0A)
        }
        for entry in fresh {
            var placed: (at: Int, count: Int, row: SessionRow)?
            if let summary = entry.summary {
                let before = moved.count
                Self.writeSummary(id: entry.id, key: entry.key, summary: summary, into: &moved)
                placed = (before, moved.count - before, SessionRow(summary))
            }
            Self.writeRow(id: entry.id, key: entry.key, summary: placed, into: &rows)
        }
        guard replace(summariesPath, with: moved) else { return }
        replace(path, with: rows)
    }

    /// `line` with its `summary_at` set to `offset`; nil when it has none where the
    /// writer puts it.
    static func relocated(_ line: ArraySlice<UInt8>, to offset: Int) -> [UInt8]? {
        let marker = Array(",\"summary_at\":".utf8)
        let next = Array(",\"summary_bytes\":".utf8)
        var index = line.startIndex
        while index + marker.count <= line.endIndex, !line[index..<(index + marker.count)].elementsEqual(marker) {
            index += 1
        }
        let digits = index + marker.count
        guard digits <= line.endIndex else { return nil }
        var end = digits
        while end < line.endIndex, (0x30...0x39).contains(line[end]) { end += 1 }
        guard end > digits, line[end...].starts(with: next) else { return nil }
        return Array(line[..<digits]) + Array(String(offset).utf8) + Array(line[end...])
    }

    /// Writes `bytes` to a temporary file renamed over `target`; whether it was.
    @discardableResult
    private func replace(_ target: String, with bytes: [UInt8]) -> Bool {
        let temporary = target + ".tmp"
        guard let written = try? StoreFolders.writePrivateFile(temporary, bytes) else { return false }
        if written, (try? StoreFolders.rename(temporary, over: target)) != nil { return true }
        _ = StoreFolders.remove(temporary)
        return false
    }
}
