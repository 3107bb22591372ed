
/// Reading the log back, line by line, without holding it in memory.
///
/// A line that is not a valid record (a crash mid-write, a hand edit) is reported as a
/// `Problem` and skipped; it never stops the read. A line longer than `maxLineBytes` is
/// skipped as it streams past, so a reader's memory is bounded by that limit, not by
/// what is in the file.
extension SessionLog {
    /// A line that was skipped.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// 1-based line number.
        public var line: Int
        /// What was wrong.
        public var reason: String
        public var description: String { "\(path):\(line): skipped a corrupted line: \(reason)" }
    }

    /// Calls `visit` with each valid record of the log at `path`, in file order.
    ///
    /// - Returns: the lines that were skipped.
    /// - Throws: `StoreError.cannotOpen` or `.notARegularFile` when the file cannot be
    ///   read at all, and whatever `visit` throws.
    @discardableResult
    public static func read(path: String, visit: (StoreRecord) throws -> Void) throws -> [Problem] {
        try read(path: path, from: 0) { record, _ in try visit(record) }.problems
    }

    /// Calls `visit` with each valid record from byte `offset` on (a record boundary),
    /// with the offset just past its line, so a reader can resume where it stopped.
    ///
    /// - Parameter events: false passes over event lines unparsed (nor checked), for a
    ///   reader that only needs the session, its tags and its end: nearly every line of
    ///   a big log is an event, and parsing one costs as much as everything else.
    /// - Returns: the lines that were skipped, and the offset just past the last
    ///   complete line (a truncated last line is not passed).
    public static func read(path: String, from offset: Int, events: Bool = true,
                            visit: (StoreRecord, Int) throws -> Void) throws -> (problems: [Problem], end: Int) {
        let fd = try openRegular(path, for: .read)
        defer { Descriptors.close(fd) }
        if offset > 0, !LockedFile.seek(fd, to: offset) {
            throw StoreError.cannotOpen(path: path, reason: errnoText())
        }
        var consumed = offset
        var problems: [Problem] = []
        var lineNumber = 0
        // Lines are parsed where they lie in the chunk just read; only an unfinished last
        // line is copied to `pending`, to be completed by the next read. `skipping`
        // counts the bytes of an over-long line being passed over instead of kept.
        var pending: [UInt8] = []
        var skipping: Int?
        // 256 KiB reads: as fast as bigger ones, and an exporter's memory is flat at a
        // few MiB above its start (issue 15's target is 32 MiB whatever the session).
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { chunk.deallocate() }
        func handle(_ line: UnsafeBufferPointer<UInt8>) throws {
            lineNumber += 1
            consumed += line.count + 1
            guard !line.isEmpty else { return }
            if !events, isEventLine(line) { return }
            do {
                try visit(try StoreRecord(line: line), consumed)
            } catch let invalid as StoreRecord.Invalid {
                problems.append(Problem(path: path, line: lineNumber, reason: invalid.description))
            }
        }
        while true {
            let n = Descriptors.read(fd, into: chunk)
            if n <= 0 { break }
            let base = UnsafePointer<UInt8>(chunk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            var from = 0
            if let skipped = skipping {
                guard let hit = ByteSearch.first(0x0A, in: base, count: n) else {
                    skipping = skipped + n
                    continue
                }
                let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                lineNumber += 1
                consumed += skipped + index + 1
                problems.append(Problem(path: path, line: lineNumber,
                                        reason: "a line of \(skipped + index) bytes, over the \(maxLineBytes >> 20) MiB limit"))
                skipping = nil
                from = index + 1
            }
            while from < n, let hit = ByteSearch.first(0x0A, in: base + from, count: n - from) {
                let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                let piece = UnsafeBufferPointer(start: base + from, count: index - from)
                if pending.isEmpty {
                    try handle(piece)
                } else {
                    pending.append(contentsOf: piece)
                    try pending.withUnsafeBufferPointer { try handle($0) }
                    pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
                }
                from = index + 1
            }
            if from < n { pending.append(contentsOf: UnsafeBufferPointer(start: base + from, count: n - from)) }
            if pending.count > maxLineBytes {
                skipping = pending.count
                pending = []
            }
        }
        if let skipped = skipping {
            lineNumber += 1
            problems.append(Problem(path: path, line: lineNumber,
                                    reason: "truncated last line (\(skipped) bytes, no newline)"))
        } else if !pending.isEmpty {
            lineNumber += 1
            problems.append(Problem(path: path, line: lineNumber,
                                    reason: "truncated last line (\(pending.count) bytes, no newline)"))
        }
        return (problems, consumed)
    }

    /// How every event line begins as `StoreRecord.writeLine` writes it.
    private static let eventLinePrefix = Array(#"{"record":"event","#.utf8)

    /// Whether `line` is an event record as the log's writers write it (a hand-written
    /// event line in another key order is parsed, which is only slower).
    static func isEventLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.count > eventLinePrefix.count && line.prefix(eventLinePrefix.count).elementsEqual(eventLinePrefix)
    }

    /// Reads and folds the log at `path`, up to byte `offset` (a record boundary) when
    /// given.
    ///
    /// - Parameter events: false folds the session, its tags and its end only, not the
    ///   event counts (see `read(path:from:events:visit:)`).
    /// - Throws: `StoreError.cannotOpen`, `.notARegularFile`, or `.noStartRecord`.
    public static func summary(path: String, upTo offset: Int = .max,
                               events: Bool = true) throws(StoreError) -> SessionSummary {
        var summary: SessionSummary?
        struct Reached: Error {}
        var problems: [Problem] = []
        do {
            problems = try read(path: path, from: 0, events: events) { record, end in
                guard end <= offset else { throw Reached() }
                SessionSummary.fold(record, into: &summary)
            }.problems
        } catch is Reached {
        } catch let error as StoreError {
            throw error
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        guard var result = summary else { throw .noStartRecord(path: path) }
        result.problems = problems
        return result
    }
}
