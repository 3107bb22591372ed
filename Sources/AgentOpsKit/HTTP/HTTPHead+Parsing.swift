extension HTTPHead {
    /// The longest head any side takes by default.
    public static let maxBytes = 64 << 10

    /// What the bytes read so far hold.
    public enum Parsed: Equatable, Sendable {
        /// Not a whole head yet.
        case incomplete
        /// A head, and how many bytes it took (the body starts there).
        case head(HTTPHead, length: Int)
        /// Not an HTTP/1.x head; why, in a few words.
        case malformed(String)
        /// No end of the head within the limit.
        case tooLarge
    }

    /// Parses the head at the start of `bytes`, strictly (RFC 9112 §2–§5): whatever one
    /// side of agentops-run takes, every other takes too.
    ///
    /// - Empty lines before the start line are skipped (§2.2); lines end in CRLF or a
    ///   bare LF; a bare CR elsewhere is refused (§2.2).
    /// - The start line is three parts split at the first two spaces; the third may be
    ///   missing (a status line without a reason). `requestLine` and `status` check
    ///   what each kind of message needs.
    /// - A field name is a token, right before its colon: a space before the colon is
    ///   refused (§5.1), and so is a folded line (§5.2). The value loses its
    ///   surrounding spaces and tabs and may hold no other control character.
    /// - The head must be UTF-8 (a field value in Latin-1 is refused).
    ///
    /// - Parameter maxBytes: a head not ended within this many bytes (leading empty
    ///   lines included) is `tooLarge`, so a peer cannot make the reader buffer without
    ///   end.
    public static func parse(_ bytes: ArraySlice<UInt8>, maxBytes: Int = HTTPHead.maxBytes) -> Parsed {
        var start = bytes.startIndex
        while start < bytes.endIndex, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
        guard let (end, length) = headEnd(bytes[start...]) else {
            return bytes.count > maxBytes ? .tooLarge : .incomplete
        }
        guard end - bytes.startIndex <= maxBytes else { return .tooLarge }
        // Split as bytes: in a Swift string "\r\n" is one character, and
        // `Character.isNewline` also holds U+2028 and friends, which are no line ends here.
        var lines = bytes[start..<end].split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { $0.last == 0x0D ? $0.dropLast() : $0 }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { return .malformed("empty head") }
        guard !lines.contains(where: { $0.contains(0x0D) }) else { return .malformed("bare CR") }
        guard let startLine = String(validating: first, as: UTF8.self) else { return .malformed("head is not UTF-8") }
        let parts = startLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else { return .malformed("bad start line") }
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(lines.count - 1)
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[..<colon].allSatisfy(isTokenByte) else {
                return .malformed(line.first == 0x20 || line.first == 0x09 ? "folded header line" : "bad header line")
            }
            let value = line[(colon + 1)...]
            guard !value.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
                return .malformed("control character in a header field")
            }
            guard let text = String(validating: value, as: UTF8.self) else { return .malformed("head is not UTF-8") }
            fields.append((String(decoding: line[..<colon], as: UTF8.self), text.httpTrimmed))
        }
        let head = HTTPHead(start: (String(parts[0]), String(parts[1]), parts.count > 2 ? String(parts[2]) : ""),
                            fields: fields)
        return .head(head, length: length - bytes.startIndex)
    }

    /// Where the head ends (just past the newline of its last line) and the body starts
    /// (past the blank line); nil until the blank line has arrived.
    private static func headEnd(_ bytes: ArraySlice<UInt8>) -> (end: Int, body: Int)? {
        var index = bytes.startIndex
        while let newline = bytes[index...].firstIndex(of: 0x0A) {
            let next = newline + 1
            if next < bytes.endIndex, bytes[next] == 0x0A { return (next, next + 1) }
            if next + 1 < bytes.endIndex, bytes[next] == 0x0D, bytes[next + 1] == 0x0A { return (next, next + 2) }
            index = next
            if index >= bytes.endIndex { break }
        }
        return nil
    }

    /// RFC 9110 `tchar`: what a method or a field name is made of.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        guard byte > 0x20, byte < 0x7F else { return false }
        return !"\"(),/:;<=>?@[\\]{}".utf8.contains(byte)
    }
}
