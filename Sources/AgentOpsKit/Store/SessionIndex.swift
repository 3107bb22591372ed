import Foundation

/// The session index: a short row per session (`SessionRow`) beside the state of the log
/// it was folded from, and the session's full summary (`SessionSummary.indexJSON`) in a
/// second file, so listing the store folds only the logs that changed since, and reads
/// one small file for the rest.
///
/// `$AGENTOPS_HOME/session-index.jsonl` is a header line and then one line per session:
/// `{"id", "size", "mtime_ns", "ctime_ns", "inode", "summary_at", "summary_bytes",
/// "start_us", "state", "ended", "tags", "recorded_cost", "usage", "crc32"}` (just the
/// first five and the last for a log with no start record), `crc32` the CRC-32 of the
/// line before it (`IndexRowCheck`): a row edited in place, under a key that still
/// matches, is a miss. `$AGENTOPS_HOME/session-summaries.jsonl` holds the
/// full summaries, one line each at `summary_at`, `summary_bytes` long with its newline:
/// the entry's first five fields as a JSON object, a tab, the summary. Listing 100,000
/// sessions reads the first file (about 25 MB; the summaries are 130 MB, most of it host
/// environments) and the summaries of the sessions it shows (`SessionListing`). A
/// summary is used only when its line repeats the id and the very key of the row that
/// points to it, so a damaged, stale or moved summaries file gives misses, never a wrong
/// summary. Both live beside `sessions/`, not in it, so nothing that lists session files
/// (`sessionIDs`, prune's cursor cleanup, a user's `sessions/*.jsonl`) can take them for
/// one.
///
/// **Why the key is sound.** A log is append-only: every writer appends whole lines
/// (`SessionLog.append`, `update`; `agentops tags set` appends a `tags` record too), so
/// any change to what a log holds grows its size. An entry is used only when the log's
/// size, mtime, ctime and inode all still match, so a log that was written to, even
/// within one tick of the file system's clock, misses. The other three guard what is
/// not an append: a log replaced by another file (a new inode), or rewritten by hand or
/// restored from a backup at the same size (ctime, which nothing can set back, moves).
/// The log is stat'ed before and after it is folded and the summary kept only when
/// both agree, so a summary never stands for a state of the log it did not read.
/// (The one change that can leave all four equal is a failed append cut back to its
/// old size within one clock tick, during the fold; it can only add a spurious
/// "truncated last line" to a summary's problems.)
///
/// **Why it is only a cache.** It is never the source of truth: a missing, unreadable,
/// corrupt or other-version index is rebuilt from the logs, a damaged line is a miss,
/// and failing to write it never fails a read. New entries are appended (their
/// summaries first, then their rows, one `write` each, under an `flock` on
/// `session-index.lock`, taken without waiting: a reader that finds another writing
/// leaves the saving to it); when more than a quarter of the rows are stale (a running
/// session appended again and again, pruned sessions), the rows are rewritten whole, to
/// a temporary file renamed over them, and rows of deleted sessions dropped; when more
/// than half of the summaries file is stale, both are rewritten.
struct SessionIndex {
    /// Changes whenever the fold, the layout or `SessionSummary.indexJSON` changes
    /// meaning, so an index written by another version is rebuilt rather than trusted.
    static let version = 5
    static let header: [UInt8] = Array("{\"agentops_session_index\":\(version)}\n".utf8)

    /// The store indexed.
    let store: LocalStore
    /// Stale rows tolerated before a rewrite, beyond a quarter of the live ones.
    var slack = 64
    /// Stale summary bytes tolerated before a rewrite, beyond as many as are live.
    var summarySlack = 1 << 20

    /// Where the rows are.
    var path: String { store.home + "/session-index.jsonl" }
    /// Where the full summaries are.
    var summariesPath: String { store.home + "/session-summaries.jsonl" }
    /// The lock writers of the index take.
    var lockPath: String { store.home + "/session-index.lock" }

    /// The state of a log that an entry stands for.
    struct Key: Equatable, Sendable {
        var size: Int
        var mtime: Int
        var ctime: Int
        var inode: UInt64

        init(size: Int, mtime: Int, ctime: Int, inode: UInt64) {
            (self.size, self.mtime, self.ctime, self.inode) = (size, mtime, ctime, inode)
        }

        /// The state of the regular file at `path` (nil for anything else, or none).
        init?(path: String) {
            guard let stamp = LockedFile.stamp(ofRegular: path) else { return nil }
            (size, mtime, ctime, inode) = stamp
        }

        /// The state of session `id`'s log in the sessions folder open as `folder`.
        init?(id: PackedSessionID, folder: Int32) {
            guard let stamp = id.withFileName({ LockedFile.stamp(ofRegular: $0, in: folder) }) else { return nil }
            (size, mtime, ctime, inode) = stamp
        }

        /// The state an entry line was written for; nil when it names none.
        init?(entry pairs: [(String, JSONValue)]) {
            var size: Int?, mtime: Int?, ctime: Int?, inode: UInt64?
            // One pass, as `SessionRow(index:id:)` reads the same object.
            for (key, value) in pairs {
                switch key {
                case "size": size = value.intValue
                case "mtime_ns": mtime = value.intValue
                case "ctime_ns": ctime = value.intValue
                case "inode": if case let .number(text) = value { inode = UInt64(text) } else { inode = nil }
                default: break
                }
            }
            guard let size, let mtime, let ctime, let inode else { return nil }
            (self.size, self.mtime, self.ctime, self.inode) = (size, mtime, ctime, inode)
        }
    }

    /// The rows file as read: each session's latest line, where it lies in `bytes`.
    struct Loaded: Sendable {
        /// The whole file.
        var bytes: [UInt8] = []
        /// Each session's last line (later lines supersede earlier ones).
        var latest: [PackedSessionID: Range<Int>] = [:]
        /// Entry lines in the file, stale or not.
        var lines = 0
        /// Whether the file exists, has this version's header and ends with a newline,
        /// so that lines can be appended to it.
        var appendable = false
    }

    /// What listing found for one log.
    enum Match: Sendable {
        /// It is no longer a regular file: left out.
        case gone
        /// No entry, or one for another state of the log: folded again.
        case miss(Key)
        /// An entry saying the log holds no session.
        case noSession(Key, line: Range<Int>)
        /// An entry in the common shape.
        case packed(Key, PackedRow, line: Range<Int>)
        /// An entry of an unusual shape, read as JSON.
        case unusual(Key, SessionRow, PackedRow, line: Range<Int>)
    }

    /// A row line kept when the rows are rewritten, and where its summary line is: only
    /// ever one whose check held when it was matched (`IndexRowCheck.body`), so that a
    /// rewrite copies or relocates it without checking it again.
    struct Kept {
        var line: Range<Int>
        var summary: Range<Int>?
    }

    /// A log folded while listing, to be added to the index.
    struct Fresh {
        var id: SessionID
        var key: Key
        var summary: SessionSummary?
    }

    /// Every stored session, with its full summary to read on demand; logs that cannot
    /// be read, or hold no session, are left out, and named in `withoutSession`.
    ///
    /// - Throws: what `LocalStore.sessionIDs` throws.
    func listing() throws(StoreError) -> SessionListing {
        let ids = try store.packedLogIDs()
        let loaded = load()
        // Rows pointing past the end of the summaries file (lost, cut short) are misses,
        // so that the index is rebuilt rather than every listing folding what it shows.
        let matches = match(ids, loaded, summaries: Key(path: summariesPath)?.size ?? 0)
        var entries: [SessionListing.Entry] = []
        var details: [SessionListing.Detail] = []
        var kept: [Kept] = []
        var fresh: [Fresh] = []
        // Logs with no session (empty: a run that died as it started; cut before the
        // start record), for the commands that tell the user they are there.
        var withoutSession: [PackedSessionID] = []
        // Logs whose start record names another session than their file name does.
        var misnamed: [SessionListing.Misnamed] = []
        // Entries named as logs that are no regular file (a symbolic link, a FIFO, a
        // folder): never followed nor read, but named, or the store looked empty.
        var notRegular: [SessionListing.NotRegular] = []
        entries.reserveCapacity(ids.count)
        kept.reserveCapacity(ids.count)
        for (id, match) in zip(ids, matches) {
            switch match {
            case .gone:
                // Gone since the folder was read, or no regular file (`lstat`, only on
                // this rare path).
                if let status = Files.linkStatus(store.path(of: id.sessionID)), status.kind != .regular {
                    notRegular.append(.init(file: id.sessionID, kind: status.kind))
                }
                continue
            case let .noSession(_, line):
                kept.append(Kept(line: line, summary: nil))
                withoutSession.append(id)
            case let .packed(key, row, line):
                entries.append(.init(id: id, key: key, row: row, detail: -1))
                kept.append(Kept(line: line, summary: row.summaryAt..<(row.summaryAt + row.summaryBytes)))
            case let .unusual(key, full, row, line):
                entries.append(.init(id: id, key: key, row: row, detail: Int32(details.count)))
                details.append(.indexed(full))
                kept.append(Kept(line: line, summary: row.summaryAt..<(row.summaryAt + row.summaryBytes)))
            case let .miss(key):
                let sessionID = id.sessionID
                let path = store.path(of: sessionID)
                let summary: SessionSummary?
                let cacheable: Bool
                do {
                    summary = try SessionLog.summary(path: path)
                    cacheable = true
                } catch {
                    summary = nil
                    cacheable = error == .noStartRecord(path: path)
                }
                if let summary, summary.session.id != sessionID {
                    // Renamed or copied: listed under the id inside, it was a session no
                    // command could find by that id, and `report --sessions` stopped at
                    // it (hostile pass, round 12). Named, not listed, not indexed (read
                    // again at every listing until it is renamed back), never pruned.
                    misnamed.append(.init(file: sessionID, holds: summary.session.id))
                    continue
                }
                if let summary {
                    let full = SessionRow(summary)
                    entries.append(.init(id: id, key: key, row: PackedRow(full), detail: Int32(details.count)))
                    details.append(.folded(full, summary))
                } else {
                    withoutSession.append(id)
                }
                if cacheable, Key(path: path) == key { fresh.append(Fresh(id: sessionID, key: key, summary: summary)) }
            }
        }
        let unsaved = save(loaded: loaded, kept: kept, fresh: fresh)
        return SessionListing(store: store, entries: entries, details: details, bytes: loaded.bytes,
                              unsavedIndex: unsaved, withoutSession: withoutSession, misnamed: misnamed,
                              notRegular: notRegular)
    }

    /// Each log of `ids` stamped and matched to its entry in `loaded`, on every core:
    /// a `fstatat` and the read of one line per log, independent of the others. Rows
    /// whose summary lies past `summaries` bytes are misses.
    func match(_ ids: [PackedSessionID], _ loaded: Loaded, summaries: Int) -> [Match] {
        guard !ids.isEmpty, let folder = LockedFile.openFolder(store.sessionsFolder) else {
            return Array(repeating: .gone, count: ids.count)
        }
        defer { Descriptors.close(folder) }
        let parts = ParallelChunks.map(ids.count, minimumPerChunk: 2048) { range in
            loaded.bytes.withUnsafeBufferPointer { bytes in
                range.map { index -> Match in
                    let id = ids[index]
                    guard let key = Key(id: id, folder: folder) else { return .gone }
                    // A row whose check fails was edited or damaged: folded again, and
                    // its fresh row supersedes it.
                    guard let line = loaded.latest[id], let body = IndexRowCheck.body(bytes, line: line) else {
                        return .miss(key)
                    }
                    if let (entryKey, row) = IndexEntryReader.read(bytes, line: body) {
                        guard entryKey == key else { return .miss(key) }
                        guard let row else { return .noSession(key, line: line) }
                        return row.summaryAt > summaries - row.summaryBytes ? .miss(key) : .packed(key, row, line: line)
                    }
                    let match = Self.unusualEntry(bytes, line: line, id: id, key: key)
                    if case let .unusual(_, _, row, _) = match, row.summaryAt > summaries - row.summaryBytes {
                        return .miss(key)
                    }
                    return match
                }
            }
        }
        return parts.flatMap { $0 }
    }

    /// The entry at `line` (its check verified), read as JSON, when it is for `key`: the
    /// reader's shortcut did not take it.
    static func unusualEntry(_ bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>, id: PackedSessionID,
                             key: Key) -> Match {
        guard case let .object(pairs)? = try? JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[line])),
              Key(entry: pairs) == key else { return .miss(key) }
        var at: Int?, count: Int?
        for (name, value) in pairs {
            if name == "summary_at" { at = value.intValue }
            if name == "summary_bytes" { count = value.intValue }
        }
        guard let at, let count else {
            // Only the key and the check: a log with no session; anything more without a
            // summary is damage.
            return pairs.count == 6 ? .noSession(key, line: line) : .miss(key)
        }
        guard at >= 0, count > 0, at <= Int.max - count, let row = SessionRow(index: .object(pairs), id: id.sessionID)
        else { return .miss(key) }
        var packed = PackedRow(row)
        (packed.summaryAt, packed.summaryBytes) = (at, count)
        return .unusual(key, row, packed, line: line)
    }

    /// Reads the rows file; an empty one when it is missing or not this version's.
    func load() -> Loaded {
        var loaded = Loaded()
        guard let fd = try? SessionLog.openRegular(path, for: .read) else { return loaded }
        defer { Descriptors.close(fd) }
        guard let size = LockedFile.status(fd)?.size, let bytes = LockedFile.bytes(of: fd, at: 0, count: size),
              bytes.starts(with: Self.header) else { return loaded }
        loaded.appendable = bytes.last == 0x0A
        // Each line begins `{"id":"<36-character id>"`: found without parsing the line,
        // so only a session's latest line is ever parsed, and only when it is listed.
        let prefix: StaticString = "{\"id\":\""
        let prefixCount = prefix.utf8CodeUnitCount
        loaded.latest.reserveCapacity(size / 200)
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            var start = Self.header.count
            while start < buffer.count {
                let end = ByteSearch.first(0x0A, in: base + start, count: buffer.count - start)
                    .map { UnsafeRawPointer(base).distance(to: UnsafeRawPointer($0)) } ?? buffer.count
                loaded.lines += 1
                if end - start > prefixCount + 37, base[start + prefixCount + 36] == UInt8(ascii: "\""),
                   ByteSearch.equal(base + start, prefix.utf8Start, count: prefixCount),
                   let id = PackedSessionID(base + start + prefixCount) {
                    loaded.latest[id] = start..<end
                }
                start = end + 1
            }
        }
        loaded.bytes = bytes
        return loaded
    }

    /// The summary of session `id`, listed with its log at `key`, from the `count`
    /// bytes at `at` of the summaries file open as `file`; nil when that line is not
    /// the summary of this session at this key, or does not decode.
    static func summary(of id: SessionID, key: Key, at: Int, count: Int, path: String, file: Int32) -> SessionSummary? {
        // A damaged row must not make the reader allocate without bound: no summary
        // line is near 256 MiB (a longer one is folded from the log each time).
        guard count > 0, count <= 1 << 28, let bytes = LockedFile.bytes(of: file, at: at, count: count),
              bytes.last == 0x0A else { return nil }
        var prefix: [UInt8] = []
        writeKey(id: id, key: key, into: &prefix)
        prefix.append(0x09)
        guard bytes.count > prefix.count + 1, bytes.starts(with: prefix),
              let json = try? JSONParser.parse(bytes[prefix.count..<(bytes.count - 1)]),
              let summary = SessionSummary(indexJSON: json, path: path), summary.session.id == id else { return nil }
        return summary
    }

    /// Opens the summaries file for `summary(of:key:at:count:path:file:)`.
    func openSummaries() -> Int32? { try? SessionLog.openRegular(summariesPath, for: .read) }

    /// The key pairs of an entry: the id and the state of the log.
    static func keyPairs(id: SessionID, key: Key) -> [(String, JSONValue)] {
        [("id", .string(id.value)), ("size", .int(key.size)), ("mtime_ns", .int(key.mtime)),
         ("ctime_ns", .int(key.ctime)), ("inode", .int(key.inode))]
    }

    /// Appends the key object of session `id` at `key`, as both files' lines begin.
    static func writeKey(id: SessionID, key: Key, into bytes: inout [UInt8]) {
        JSONWriter.write(.object(keyPairs(id: id, key: key)), into: &bytes, indent: nil, level: 0)
    }

    /// Appends the row line of session `id`, its log at `key`, with its summary line at
    /// `summary` of the summaries file (nil: no start record).
    static func writeRow(id: SessionID, key: Key, summary: (at: Int, count: Int, row: SessionRow)?,
                         into bytes: inout [UInt8]) {
        var pairs = keyPairs(id: id, key: key)
        if let summary {
            pairs += [("summary_at", .int(summary.at)), ("summary_bytes", .int(summary.count))]
            pairs += summary.row.indexPairs
        }
        let start = bytes.count
        JSONWriter.write(.object(pairs), into: &bytes, indent: nil, level: 0)
        // Reopened for its check, which comes last.
        bytes.removeLast()
        IndexRowCheck.seal(&bytes, from: start)
        bytes.append(0x0A)
    }

    /// Appends the summary line of session `id`, its log at `key`.
    static func writeSummary(id: SessionID, key: Key, summary: SessionSummary, into bytes: inout [UInt8]) {
        writeKey(id: id, key: key, into: &bytes)
        bytes.append(0x09)
        JSONWriter.write(summary.indexJSON, into: &bytes, indent: nil, level: 0)
        bytes.append(0x0A)
    }
}
