/// `Transfer-Encoding: chunked` bodies (RFC 9112 §7.1), both ways: the LLM proxy
/// reads them from clients and the API and writes them to clients, and the exporters'
/// plain client reads them.
public enum HTTPChunked {
    /// Decodes a chunked body as it arrives, in any split.
    public struct Decoder: Sendable {
        private enum State { case size, data(Int), dataEnd, trailer }
        private var state = State.size
        private var line: [UInt8] = []
        /// Whether the last chunk and the trailer were read.
        public private(set) var isFinished = false
        /// Set when the framing is broken.
        public private(set) var isMalformed = false
        /// How many bytes at the end of the last `feed` were not taken: what followed the
        /// body's end (a pipelined request), for the caller to keep.
        public private(set) var unconsumed = 0

        /// The longest line (a chunk size with its extensions, a trailer field) taken.
        static let maxLineBytes = 4096

        public init() {}

        /// Feeds bytes.
        ///
        /// - Returns: the body bytes they held.
        public mutating func feed(_ bytes: some Collection<UInt8>) -> [UInt8] {
            var output: [UInt8] = []
            var index = bytes.startIndex
            while index != bytes.endIndex, !isFinished, !isMalformed {
                switch state {
                case let .data(left):
                    let available = bytes.distance(from: index, to: bytes.endIndex)
                    let take = min(left, available)
                    let end = bytes.index(index, offsetBy: take)
                    output.append(contentsOf: bytes[index..<end])
                    index = end
                    state = left - take == 0 ? .dataEnd : .data(left - take)
                case .size, .dataEnd, .trailer:
                    let byte = bytes[index]
                    index = bytes.index(after: index)
                    guard byte == 0x0A else {
                        if line.count >= Self.maxLineBytes { isMalformed = true }
                        line.append(byte)
                        continue
                    }
                    if line.last == 0x0D { line.removeLast() }
                    endLine()
                }
            }
            unconsumed = bytes.distance(from: index, to: bytes.endIndex)
            return output
        }

        private mutating func endLine() {
            defer { line.removeAll(keepingCapacity: true) }
            switch state {
            case .size:
                guard let size = Self.chunkSize(line) else {
                    isMalformed = true
                    return
                }
                state = size == 0 ? .trailer : .data(size)
            case .dataEnd:
                if line.isEmpty { state = .size } else { isMalformed = true }
            case .trailer:
                if line.isEmpty { isFinished = true }
            case .data:
                break
            }
        }

        /// A chunk size line's number: hex digits only (no sign, which `Int(_:radix:)`
        /// would take), at most 15 of them past leading zeros so it fits in an `Int`; its
        /// extensions after `;` are ignored.
        static func chunkSize(_ line: [UInt8]) -> Int? {
            let text = String(decoding: line.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self).httpTrimmed
            let significant = text.drop { $0 == "0" }
            let digits = text.isEmpty || !significant.isEmpty ? String(significant) : "0"
            guard !digits.isEmpty, digits.utf8.count <= 15, text.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66)
            }) else {
                return nil
            }
            return Int(digits, radix: 16)
        }
    }

    /// `bytes` as one chunk of a chunked body (empty: the last chunk).
    public static func chunk(_ bytes: some Collection<UInt8>) -> [UInt8] {
        guard !bytes.isEmpty else { return Array("0\r\n\r\n".utf8) }
        return Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + [0x0D, 0x0A]
    }
}
