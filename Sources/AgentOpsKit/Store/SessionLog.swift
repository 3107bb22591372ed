import Synchronization

/// The session log: one append-only JSON Lines file per session, and the bus of the
/// whole design. Every writer appends through this type (the wrapper's capture and
/// listener, nested runs, `agentops event|tags|end`), and every reader and exporter
/// reads it back through `SessionLog.read` from an offset of its own.
///
/// An append is one `write(2)` of whole lines under an exclusive `flock`, so several
/// processes in one session never interleave, and the lock also keeps this process's
/// own threads (one per captured stream, the listener's) from splitting each other's
/// lines. An append that fails part-way (a full disk, `ulimit -f`) is cut back to
/// where it began while the lock is still held, so the next record never lands glued
/// onto half a line.
///
/// The file is opened with `O_NOFOLLOW | O_NONBLOCK` and must be a regular file: a
/// symlink planted in the store is refused rather than followed, and a FIFO can never
/// make a writer or reader wait.
public final class SessionLog: Sendable {
    /// The longest line the log takes or reads back: writers refuse bigger records and
    /// readers skip bigger lines without holding them, so readers stay in bounded memory.
    public static let maxLineBytes = 8 << 20

    /// Where the file is.
    public let path: String
    private let fd: Int32
    /// Where this process's last append ended, and whether the file ever held bytes it
    /// did not write (`onlyOwnAppends`).
    private let own: Mutex<(end: Int, othersWrote: Bool)>

    /// Opens (creating, owner-only) the log at `path` for appending (and for reading
    /// back its last byte).
    ///
    /// - Throws: `StoreError.cannotOpen`, `.notARegularFile` (a symbolic link, a FIFO,
    ///   anything but a regular file).
    public init(path: String) throws(StoreError) {
        self.path = path
        fd = try Self.openRegular(path, for: .appendCreating(mode: 0o600))
        let size = LockedFile.status(fd)?.size ?? -1
        own = Mutex((end: size, othersWrote: size != 0))
    }

    /// Whether everything in the file was appended through this instance: it was empty
    /// when opened, and no other writer (another process, another instance) appended
    /// since. A run that wrote its whole session then knows its content without reading
    /// it back.
    public var onlyOwnAppends: Bool {
        guard let info = LockedFile.status(fd) else { return false }
        return own.withLock { !$0.othersWrote && $0.end == info.size }
    }

    deinit { Descriptors.close(fd) }

    /// Appends `records` as consecutive lines, atomically with respect to other writers.
    ///
    /// - Throws: `StoreError.recordTooLarge` (nothing written), `.cannotWrite` (nothing
    ///   left behind), `.detached` when the file was deleted while open (the records
    ///   went to a file nobody will read).
    public func append(_ records: [StoreRecord]) throws(StoreError) {
        var bytes: [UInt8] = []
        for record in records {
            let start = bytes.count
            record.writeLine(into: &bytes)
            if bytes.count - start > Self.maxLineBytes {
                throw .recordTooLarge(path: path, bytes: bytes.count - start, limit: Self.maxLineBytes)
            }
        }
        try locked { () throws(StoreError) in try write(bytes) }
    }

    /// Appends `records` as `append(_:)` does, in one write, except those over the line
    /// limit: `.leaveOut` writes the others, `.refuseAll` writes nothing when any is over.
    ///
    /// - Returns: those over the limit (not written).
    /// - Throws: `StoreError.cannotWrite` (nothing left behind), `.detached`.
    public func append(_ records: [StoreRecord], oversize: OversizePolicy) throws(StoreError) -> [OversizedRecord] {
        // Encoded before the lock, on every core for a big batch (the listener's), so
        // other writers wait only for the write itself.
        let parts = ParallelChunks.map(records.count, minimumPerChunk: 128) { range in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(range.count * 512)
            var tooLarge: [OversizedRecord] = []
            for index in range {
                let start = bytes.count
                records[index].writeLine(into: &bytes)
                if bytes.count - start > Self.maxLineBytes {
                    tooLarge.append(OversizedRecord(position: index, bytes: bytes.count - start))
                    bytes.removeSubrange(start...)
                }
            }
            return (bytes: bytes, tooLarge: tooLarge)
        }
        let tooLarge = parts.flatMap(\.tooLarge)
        if !tooLarge.isEmpty, oversize == .refuseAll { return tooLarge }
        var bytes = parts.count == 1 ? parts[0].bytes : []
        if parts.count > 1 {
            bytes.reserveCapacity(parts.reduce(0) { $0 + $1.bytes.count })
            for part in parts { bytes += part.bytes }
        }
        guard !bytes.isEmpty else { return tooLarge }
        try locked { () throws(StoreError) in try write(bytes) }
        return tooLarge
    }

    /// Appends one record.
    public func append(_ record: StoreRecord) throws(StoreError) { try append([record]) }

    /// Reads the session and appends what `change` makes of it, holding the lock across
    /// both, so no other writer's record can fall between the read and the write.
    ///
    /// - Parameter change: given the session as it stands (nil when the file has no
    ///   start record yet), the records to append.
    /// - Returns: the session as read.
    @discardableResult
    public func update(_ change: (SessionSummary?) -> [StoreRecord]) throws(StoreError) -> SessionSummary? {
        try locked { () throws(StoreError) -> SessionSummary? in
            let summary = try? SessionLog.summary(path: path)
            let records = change(summary)
            guard !records.isEmpty else { return summary }
            var bytes: [UInt8] = []
            for record in records { record.writeLine(into: &bytes) }
            try write(bytes)
            return summary
        }
    }

    private func locked<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        guard LockedFile.lock(fd) else { throw .cannotWrite(path: path, reason: errnoText()) }
        defer { LockedFile.unlock(fd) }
        return try body()
    }

    /// Writes `bytes` at the end; on failure truncates back to the old end. Called with
    /// the lock held.
    private func write(_ bytes: [UInt8]) throws(StoreError) {
        guard let info = LockedFile.status(fd) else { throw .cannotWrite(path: path, reason: errnoText()) }
        // A writer killed mid-write (SIGKILL cuts a big write short, with no chance to
        // cut it back) leaves half a line: end it, or the first record would be glued
        // onto it and skipped by every reader.
        var bytes = bytes
        if info.size > 0, let last = LockedFile.byte(of: fd, at: info.size - 1), last != 0x0A { bytes.insert(0x0A, at: 0) }
        let written = Descriptors.writeAll(bytes, to: fd)
        own.withLock { own in
            // Another writer's bytes since this process's last append, or a failed write
            // whose cut-back may not have worked: the file is no longer ours alone.
            if own.end != info.size || written < bytes.count { own.othersWrote = true }
            own.end = info.size + written
        }
        if written < bytes.count {
            let reason = errnoText()
            if written > 0 { LockedFile.truncate(fd, to: info.size) }
            throw .cannotWrite(path: path, reason: reason)
        }
        if info.isDeleted { throw .detached(path: path) }
    }

    /// Opens `path` without following a symlink or waiting on a FIFO, and checks it is
    /// a regular file; the descriptor is blocking again when returned.
    static func openRegular(_ path: String, for access: LockedFile.Access) throws(StoreError) -> Int32 {
        do { return try LockedFile.open(path, for: access) } catch {
            switch error {
            case let .cannotOpen(reason):
                // A link (ELOOP, dangling or not) or a socket (ENXIO) is refused by the open
                // itself: said as what it is, not as the open's error (hostile pass, round 14).
                if let status = Files.linkStatus(path), status.kind != .regular { throw .notARegularFile(path: path) }
                throw .cannotOpen(path: path, reason: reason.description)
            case .notARegularFile: throw .notARegularFile(path: path)
            }
        }
    }
}
