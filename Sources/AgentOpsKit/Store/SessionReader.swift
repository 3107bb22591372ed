import Glibc

/// Reads a session file line by line without holding it in memory.
///
/// A line that is not a valid record (a crash mid-write, a disk that filled up, a
/// hand edit) is reported through `problems` and skipped; it never stops the read.
public struct SessionReader {
    /// A line that was skipped.
    public struct Problem: Sendable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// 1-based line number.
        public var line: Int
        /// What was wrong.
        public var reason: String
        public var description: String { "\(path):\(line): skipped a corrupted line: \(reason)" }
    }

    /// Calls `visit` with each valid record of the file at `path`, in file order.
    ///
    /// - Returns: the lines that were skipped.
    /// - Throws: `StoreError.cannotOpen` when the file cannot be read at all.
    @discardableResult
    public static func read(path: String, visit: (StoreRecord) throws -> Void) throws -> [Problem] {
        try read(path: path, from: 0) { record, _ in try visit(record) }.problems
    }

    /// Calls `visit` with each valid record from byte `offset` on (a record boundary),
    /// with the offset just past its line, so a reader can resume where it stopped.
    ///
    /// - Returns: the lines that were skipped, and the offset just past the last
    ///   complete line (a truncated last line is not passed).
    public static func read(path: String, from offset: Int,
                            visit: (StoreRecord, Int) throws -> Void) throws -> (problems: [Problem], end: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.cannotOpen(path: path, reason: errnoText()) }
        defer { close(fd) }
        if offset > 0, lseek(fd, off_t(offset), SEEK_SET) < 0 {
            throw StoreError.cannotOpen(path: path, reason: errnoText())
        }
        var consumed = offset
        var problems: [Problem] = []
        var lineNumber = 0
        // Bytes read but not yet handed on; only the unfinished last line stays here
        // between reads, and `scanned` remembers how far it was searched for a newline,
        // so a long line arriving over many reads is scanned once.
        var pending: [UInt8] = []
        var scanned = 0
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        func handle(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            consumed += line.count + 1
            guard !line.isEmpty else { return }
            do {
                try visit(try StoreRecord(line: line), consumed)
            } catch let invalid as StoreRecord.Invalid {
                problems.append(Problem(path: path, line: lineNumber, reason: invalid.description))
            }
        }
        while true {
            let n = Glibc.read(fd, chunk.baseAddress, chunk.count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            var lineStart = 0
            var newlines: [Int] = []
            pending.withUnsafeBytes { raw in
                var from = scanned
                while from < raw.count, let hit = memchr(raw.baseAddress! + from, 0x0A, raw.count - from) {
                    let index = raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
                    newlines.append(index)
                    from = index + 1
                }
            }
            for newline in newlines {
                try handle(pending[lineStart..<newline])
                lineStart = newline + 1
            }
            pending.removeSubrange(..<lineStart)
            scanned = pending.count
        }
        if !pending.isEmpty {
            lineNumber += 1
            problems.append(Problem(path: path, line: lineNumber,
                                    reason: "truncated last line (\(pending.count) bytes, no newline)"))
        }
        return (problems, consumed)
    }
}
