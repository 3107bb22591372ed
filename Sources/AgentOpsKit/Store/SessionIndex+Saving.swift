extension SessionIndex {
    /// Brings the index up to date: appends the `fresh` entries (their summaries, then
    /// their rows), or rewrites the rows with `kept` and `fresh` when they are missing,
    /// damaged or mostly stale, and both files when the summaries are. Best effort: a
    /// store that is not the user's own keeps the index it has, and a reader that finds
    /// another writing leaves the saving to it.
    ///
    /// - Returns: why the index could not be saved, when something stands in its way (a
    ///   directory or a symbolic link where a file of it goes, a read-only store): every
    ///   listing would otherwise fold the same logs again, slower and without a word.
    func save(loaded: Loaded, kept: [Kept], fresh: [Fresh]) -> StoreError? {
        let live = kept.count + fresh.count
        let lines = loaded.lines + fresh.count
        let rewrite = !loaded.appendable || lines - live > live / 4 + slack
        guard rewrite || !fresh.isEmpty, (try? store.checkFolder(store.home)) != nil else { return nil }
        // Before the lock is even created: a save that cannot be done leaves no trace.
        if rewrite, let blocked = rowsBlocked() { return blocked }
        guard let lock = LockedFile.openLockFile(lockPath) else { return Self.blocked(lockPath, SystemError()) }
        defer { Descriptors.close(lock) }
        guard LockedFile.tryLock(lock) else { return nil }
        let summaries: Int32
        do { summaries = try LockedFile.open(summariesPath, for: .appendCreating(mode: 0o600)) } catch {
            return Self.blocked(summariesPath, error)
        }
        defer { Descriptors.close(summaries) }
        guard let size = LockedFile.status(summaries)?.size else { return Self.blocked(summariesPath, SystemError()) }
        let keptBytes = kept.reduce(0) { $0 + ($1.summary?.count ?? 0) }
        if size - keptBytes > keptBytes + summarySlack {
            if let blocked = rowsBlocked() { return blocked }
            return compact(loaded: loaded, kept: kept, fresh: fresh, summaries: summaries, size: size)
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
                let error = SystemError()
                if written > 0 { LockedFile.truncate(summaries, to: size) }
                return Self.blocked(summariesPath, error)
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
            return replace(path, with: bytes)
        }
        // Appended to whatever is at the path now, under the lock, so a rewrite by
        // another reader since `load` is appended to, not lost.
        let fd: Int32
        do { fd = try LockedFile.open(path, for: .append) } catch { return Self.blocked(path, error) }
        defer { Descriptors.close(fd) }
        // Shorter than a header: another reader cut it short; the next listing rewrites it.
        guard let info = LockedFile.status(fd), info.size >= Self.header.count else { return nil }
        var bytes: [UInt8] = LockedFile.byte(of: fd, at: info.size - 1).map { $0 != 0x0A } == true ? [0x0A] : []
        bytes.append(contentsOf: rows)
        let written = Descriptors.writeAll(bytes, to: fd)
        guard written < bytes.count else { return nil }
        let error = SystemError()
        if written > 0 { LockedFile.truncate(fd, to: info.size) }
        return Self.blocked(path, error)
    }

    /// Why the rows cannot be rewritten, when anything but a file stands at `path.tmp`,
    /// which a rewrite goes through: checked before anything is written, as summaries
    /// written for rows that never will be would only grow or reorder their file at
    /// each listing.
    private func rowsBlocked() -> StoreError? {
        guard let kind = Files.linkStatus(path + ".tmp")?.kind, kind != .regular else { return nil }
        return Self.blocked(path + ".tmp", nil)
    }

    /// Rewrites both files: the summaries still pointed to, copied, and the fresh ones,
    /// then the rows pointing to where they are now. A reader that read the old rows
    /// and reads the new summaries finds lines that do not repeat its keys: misses.
    private func compact(loaded: Loaded, kept: [Kept], fresh: [Fresh], summaries: Int32, size: Int) -> StoreError? {
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
        if let problem = replace(summariesPath, with: moved) { return problem }
        return replace(path, with: rows)
    }

    /// `line` with its `summary_at` set to `offset`, and its check made anew; nil when
    /// it has none where the writer puts it.
    ///
    /// Its old check is not computed again: every row kept (`Kept`) is one whose check
    /// held when listing matched it (`match`), and `loaded.bytes` have not changed since.
    static func relocated(_ line: ArraySlice<UInt8>, to offset: Int) -> [UInt8]? {
        guard let body = line.withUnsafeBufferPointer({ IndexRowCheck.checkedBody($0, line: 0..<$0.count) })
        else { return nil }
        let line = line[(line.startIndex + body.lowerBound)..<(line.startIndex + body.upperBound)]
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
        var moved = Array(line[..<digits]) + Array(String(offset).utf8) + Array(line[end...])
        IndexRowCheck.seal(&moved, from: 0)
        return moved
    }

    /// Writes `bytes` to a temporary file renamed over `target`; nil when it was, else
    /// why not. What stands at the temporary path is left there: a symbolic link is
    /// never followed (`O_NOFOLLOW`), a directory never removed.
    private func replace(_ target: String, with bytes: [UInt8]) -> StoreError? {
        let temporary = target + ".tmp"
        let written: Bool
        do { written = try StoreFolders.writePrivateFile(temporary, bytes) } catch {
            return Self.blocked(temporary, error)
        }
        guard written else {
            let error = SystemError()
            StoreFolders.remove(temporary)
            return Self.blocked(temporary, error)
        }
        do { try StoreFolders.rename(temporary, over: target) } catch {
            StoreFolders.remove(temporary)
            return Self.blocked(target, error)
        }
        return nil
    }

    /// Why a file of the index at `path` could not be written (`error`), in words that
    /// say what stands in the way when something does.
    static func blocked(_ path: String, _ error: LockedFile.OpenFailure) -> StoreError {
        switch error {
        case let .cannotOpen(error): return blocked(path, error)
        case .notARegularFile: return blocked(path, nil)
        }
    }

    /// Why a file of the index at `path` could not be written (`error`; nil when the file
    /// turned out not to be a regular one), in words that say what stands in the way
    /// when something does.
    static func blocked(_ path: String, _ error: SystemError?) -> StoreError {
        let reason: String
        // What stands in the file's way, a symbolic link not followed.
        switch Files.linkStatus(path)?.kind {
        case .symbolicLink?: reason = "it is a symbolic link, which is never followed (remove it)"
        case .directory?: reason = "it is a directory (remove it)"
        case .other?: reason = "it is not a regular file (remove it)"
        case .regular?, nil: reason = error?.description ?? "it is not a regular file"
        }
        return .indexNotSaved(path: path, reason: reason)
    }
}
