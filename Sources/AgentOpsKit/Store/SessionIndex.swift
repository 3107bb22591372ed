import Foundation
import Synchronization

/// The session index: every session's summary (`SessionSummary.indexJSON`) beside the
/// state of the log it was folded from, so listing the store folds only the logs that
/// changed since, and reads one file for the rest.
///
/// `$AGENTOPS_HOME/session-index.jsonl` is a header line and then one line per session,
/// two JSON texts separated by a tab: the entry's key and row,
/// `{"id", "size", "mtime_ns", "ctime_ns", "inode", "start_us", "state", "ended", "tags",
/// "recorded_cost", "usage"}` (`SessionRow`), then the full summary (`null`, and no row
/// fields, for a log with no start record). Compact JSON never holds a raw tab, so the
/// first one splits the line: listing the store decodes only the short first part of
/// each line, and the summary only of the sessions it shows (`SessionListing`). The
/// index lives beside `sessions/`, not in it, so nothing that lists session files
/// (`sessionIDs`, prune's cursor cleanup, a user's `sessions/*.jsonl`) can take it for
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
/// and failing to write it never fails a read. New summaries are appended to it (one
/// `write` under an `flock` on `session-index.lock`, taken without waiting: a reader
/// that finds another writing leaves the saving to it); when more than a quarter of
/// its lines are stale (a running session appended again and again, pruned sessions),
/// it is rewritten whole, to a temporary file renamed over it, and entries of deleted
/// sessions are dropped.
struct SessionIndex {
    /// Changes whenever the fold or `SessionSummary.indexJSON` changes meaning, so an
    /// index written by another version is rebuilt rather than trusted.
    static let version = 2
    static let header: [UInt8] = Array("{\"agentops_session_index\":\(version)}\n".utf8)

    /// The store indexed.
    let store: LocalStore
    /// Stale lines tolerated before a rewrite, beyond a quarter of the live ones.
    var slack = 64

    /// Where the index is.
    var path: String { store.home + "/session-index.jsonl" }
    /// The lock writers of the index take.
    var lockPath: String { store.home + "/session-index.lock" }

    /// The state of a log that an entry stands for.
    struct Key: Equatable {
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

        /// The state an entry line was written for; nil when it names none.
        init?(entry json: JSONValue) {
            guard case let .object(pairs) = json else { return nil }
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

    /// The index as read: each session's latest line, where it lies in `bytes`.
    struct Loaded {
        /// The whole file.
        var bytes: [UInt8] = []
        /// Each session id's last line (later lines supersede earlier ones).
        var latest: [String: Range<Int>] = [:]
        /// Entry lines in the file, stale or not.
        var lines = 0
        /// Whether the file exists, has this version's header and ends with a newline,
        /// so that lines can be appended to it.
        var appendable = false
    }

    /// An index entry read back: the state of the log it stands for, and the session's
    /// row with where its full summary lies in the index (nil: a log with no session).
    typealias Entry = (key: Key, row: (row: SessionRow, summary: Range<Int>)?)

    /// Every stored session as a row, with its full summary to decode on demand; logs
    /// that cannot be read, or hold no session, are left out.
    ///
    /// - Throws: what `LocalStore.sessionIDs` throws.
    func listing() throws(StoreError) -> SessionListing {
        let loaded = load()
        var logs: [(id: SessionID, path: String, key: Key)] = []
        var cached: [(range: Range<Int>, id: SessionID)] = []
        for id in try store.sessionIDs() {
            let path = store.path(of: id)
            guard let key = Key(path: path) else { continue }
            logs.append((id, path, key))
            cached.append((loaded.latest[id.value] ?? 0..<0, id))
        }
        let entries = Self.decode(loaded.bytes, cached)
        var rows: [SessionRow] = []
        var sources: [SessionListing.Source] = []
        rows.reserveCapacity(logs.count)
        sources.reserveCapacity(logs.count)
        var kept: [ArraySlice<UInt8>] = []
        var fresh: [[UInt8]] = []
        for (index, log) in logs.enumerated() {
            if let entry = entries[index], entry.key == log.key {
                if let (row, summary) = entry.row {
                    rows.append(row)
                    sources.append(.indexed(summary))
                }
                kept.append(loaded.bytes[cached[index].range])
                continue
            }
            let summary: SessionSummary?
            let cacheable: Bool
            do {
                summary = try SessionLog.summary(path: log.path)
                cacheable = true
            } catch {
                summary = nil
                cacheable = error == .noStartRecord(path: log.path)
            }
            if let summary {
                rows.append(SessionRow(summary))
                sources.append(.folded(summary))
            }
            if cacheable, Key(path: log.path) == log.key {
                var line: [UInt8] = []
                Self.writeEntry(id: log.id, key: log.key, summary: summary, into: &line)
                fresh.append(line)
            }
        }
        save(loaded: loaded, kept: kept, fresh: fresh)
        return SessionListing(store: store, rows: rows, sources: sources, bytes: loaded.bytes)
    }

    /// The entries at `lines` of `bytes` (nil for an empty range or a damaged line),
    /// decoded on every core: lines are independent, and decoding is most of what
    /// listing a large store costs.
    static func decode(_ bytes: [UInt8], _ lines: [(range: Range<Int>, id: SessionID)]) -> [Entry?] {
        let chunks = min(lines.count / 512 + 1, ProcessInfo.processInfo.activeProcessorCount * 4)
        let parts = Mutex<[[Entry?]]>(Array(repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let part: [Entry?] = lines[(lines.count * chunk / chunks)..<(lines.count * (chunk + 1) / chunks)].map {
                $0.range.isEmpty ? nil : entry(bytes, line: $0.range, id: $0.id)
            }
            parts.withLock { $0[chunk] = part }
        }
        return parts.withLock { $0.flatMap { $0 } }
    }

    /// Reads the index; an empty one when it is missing or not this version's.
    func load() -> Loaded {
        var loaded = Loaded()
        guard let fd = try? SessionLog.openRegular(path, for: .read) else { return loaded }
        defer { Descriptors.close(fd) }
        guard let size = LockedFile.status(fd)?.size else { return loaded }
        // Read into uninitialised memory: zeroing 100 MB first costs as much as reading it.
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = Descriptors.read(fd, into: UnsafeMutableRawBufferPointer(
                    UnsafeMutableBufferPointer(rebasing: buffer[done...])))
                if n <= 0 { break }
                done += n
            }
            initialized = done
        }
        guard bytes.count == size, bytes.starts(with: Self.header) else { return loaded }
        loaded.appendable = bytes.last == 0x0A
        // Each line begins `{"id":"<36-character id>"`: found without parsing the line,
        // so only a session's latest line is ever parsed, and only when it is listed.
        let prefix = Array("{\"id\":\"".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            var start = Self.header.count
            while start < buffer.count {
                let rest = buffer.count - start
                let end = ByteSearch.first(0x0A, in: buffer.baseAddress! + start, count: rest)
                    .map { UnsafeRawPointer(buffer.baseAddress!).distance(to: UnsafeRawPointer($0)) } ?? buffer.count
                loaded.lines += 1
                let idStart = start + prefix.count
                if end - start > prefix.count + 37, buffer[idStart + 36] == UInt8(ascii: "\""),
                   UnsafeBufferPointer(rebasing: buffer[start..<idStart]).elementsEqual(prefix) {
                    let id = String(decoding: UnsafeBufferPointer(rebasing: buffer[idStart..<(idStart + 36)]),
                                    as: UTF8.self)
                    loaded.latest[id] = start..<end
                }
                start = end + 1
            }
        }
        loaded.bytes = bytes
        return loaded
    }

    /// The entry of session `id` at `line` of `bytes` read back (`load` found the id at
    /// its start), its summary left undecoded; nil when the key or row is damaged (a
    /// damaged summary shows when it is decoded).
    static func entry(_ bytes: [UInt8], line: Range<Int>, id: SessionID) -> Entry? {
        guard let tab = bytes[line].firstIndex(of: 0x09) else { return nil }
        let summary = (tab + 1)..<line.upperBound
        let session = !bytes[summary].elementsEqual("null".utf8)
        if let read = IndexEntryReader.read(bytes[line.lowerBound..<tab], id: id, row: session) {
            return (read.key, read.row.map { (row: $0, summary: summary) })
        }
        guard let json = try? JSONParser.parse(bytes[line.lowerBound..<tab]), let key = Key(entry: json)
        else { return nil }
        if !session { return (key, nil) }
        guard let row = SessionRow(index: json, id: id) else { return nil }
        return (key, (row, summary))
    }

    /// Appends the entry line of session `id`, its log at `key` summarised as `summary`
    /// (nil: no start record).
    static func writeEntry(id: SessionID, key: Key, summary: SessionSummary?, into bytes: inout [UInt8]) {
        let head = JSONValue.object([
            ("id", .string(id.value)),
            ("size", .int(key.size)),
            ("mtime_ns", .int(key.mtime)),
            ("ctime_ns", .int(key.ctime)),
            ("inode", .int(key.inode)),
        ] + (summary.map { SessionRow($0).indexPairs } ?? []))
        JSONWriter.write(head, into: &bytes, indent: nil, level: 0)
        bytes.append(0x09)
        JSONWriter.write(summary?.indexJSON ?? .null, into: &bytes, indent: nil, level: 0)
        bytes.append(0x0A)
    }

    /// Brings the index up to date: appends `fresh` entries, or rewrites it with `kept`
    /// and `fresh` when it is missing, damaged or mostly stale. Best effort: a store
    /// that is not the user's own, or cannot be written, keeps the index it has.
    func save(loaded: Loaded, kept: [ArraySlice<UInt8>], fresh: [[UInt8]]) {
        let live = kept.count + fresh.count
        let lines = loaded.lines + fresh.count
        let rewrite = !loaded.appendable || lines - live > live / 4 + slack
        guard rewrite || !fresh.isEmpty, (try? store.checkFolder(store.home)) != nil else { return }
        guard let lock = LockedFile.openLockFile(lockPath) else { return }
        defer { Descriptors.close(lock) }
        guard LockedFile.tryLock(lock) else { return }
        if rewrite {
            var bytes = Self.header
            bytes.reserveCapacity(Self.header.count + kept.reduce(0) { $0 + $1.count + 1 }
                                  + fresh.reduce(0) { $0 + $1.count })
            for line in kept {
                bytes.append(contentsOf: line)
                bytes.append(0x0A)
            }
            for line in fresh { bytes.append(contentsOf: line) }
            let temporary = path + ".tmp"
            guard let written = try? StoreFolders.writePrivateFile(temporary, bytes) else { return }
            if !written || (try? StoreFolders.rename(temporary, over: path)) == nil { StoreFolders.remove(temporary) }
        } else {
            // Appended to whatever is at the path now, under the lock, so a rewrite by
            // another reader since `load` is appended to, not lost.
            guard let fd = try? SessionLog.openRegular(path, for: .append) else { return }
            defer { Descriptors.close(fd) }
            guard let info = LockedFile.status(fd), info.size >= Self.header.count else { return }
            var bytes: [UInt8] = LockedFile.byte(of: fd, at: info.size - 1).map { $0 != 0x0A } == true ? [0x0A] : []
            for line in fresh { bytes.append(contentsOf: line) }
            let written = Descriptors.writeAll(bytes, to: fd)
            if written > 0, written < bytes.count { LockedFile.truncate(fd, to: info.size) }
        }
    }
}
