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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.cannotOpen(path: path, reason: errnoText()) }
        defer { close(fd) }
        var problems: [Problem] = []
        var lineNumber = 0
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        func handle(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            guard !line.isEmpty else { return }
            do {
                try visit(try StoreRecord(line: line))
            } catch let invalid as StoreRecord.Invalid {
                problems.append(Problem(path: path, line: lineNumber, reason: invalid.description))
            }
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: buffer[0..<n])
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                try handle(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(..<start)
        }
        if !pending.isEmpty {
            lineNumber += 1
            problems.append(Problem(path: path, line: lineNumber,
                                    reason: "truncated last line (\(pending.count) bytes, no newline)"))
        }
        return problems
    }
}
