/// The HTTP/1.1 pieces the LLM proxy needs on both of its sides, pure so they are unit
/// tested: message heads, hop-by-hop headers, chunked bodies.
public enum ProxyHTTP {
    /// The head of a request or a response: its start line split in three, and its
    /// fields in order, names as sent.
    public struct Head: Sendable, Equatable {
        /// Request: method, target, version. Response: version, status, reason.
        public var start: (String, String, String)
        public var fields: [(name: String, value: String)]

        public init(start: (String, String, String), fields: [(name: String, value: String)]) {
            self.start = start
            self.fields = fields
        }

        public static func == (lhs: Head, rhs: Head) -> Bool {
            lhs.start == rhs.start && lhs.fields.elementsEqual(rhs.fields, by: { $0 == $1 })
        }

        /// The first field named `name`, case-insensitively.
        public func field(_ name: String) -> String? {
            fields.value(named: name)
        }

        /// Whether the body is chunked.
        public var isChunked: Bool { field("transfer-encoding")?.lowercased().contains("chunked") ?? false }

        /// The fields a proxy passes on: all but hop-by-hop ones (RFC 9110 §7.6.1: the
        /// fixed list and those named in `Connection`) and the body's framing, which
        /// each side of the proxy sets for itself.
        public var endToEndFields: [(name: String, value: String)] {
            let named = (field("connection") ?? "").lowercased().split(separator: ",").map { $0.proxyTrimmed }
            let dropped = Set(ProxyHTTP.hopByHop + named + ["content-length"])
            return fields.filter { !dropped.contains($0.name.lowercased()) }
        }

        /// The head as sent: start line, fields, blank line.
        public var bytes: [UInt8] {
            var text = "\(start.0) \(start.1) \(start.2)\r\n"
            for field in fields { text += "\(field.name): \(field.value)\r\n" }
            return Array((text + "\r\n").utf8)
        }
    }

    /// Hop-by-hop fields (and `Host`, which the proxy sets for the upstream).
    public static let hopByHop = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                                  "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host"]

    /// The longest head either side may send.
    public static let maxHeadBytes = 64 << 10

    /// What the bytes so far hold.
    public enum Parsed: Equatable {
        case incomplete
        /// A head, and how many bytes it took.
        case head(Head, length: Int)
        case malformed(String)
    }

    /// Parses the head at the start of `bytes`.
    public static func parseHead(_ bytes: [UInt8]) -> Parsed {
        guard let end = headEnd(bytes) else {
            return bytes.count > maxHeadBytes ? .malformed("head over \(maxHeadBytes >> 10) KiB") : .incomplete
        }
        // Split as bytes: in a Swift string "\r\n" is one character.
        var lines = bytes[..<end].split(separator: 0x0A, omittingEmptySubsequences: false).map {
            String(decoding: $0.last == 0x0D ? $0.dropLast() : $0, as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { return .malformed("empty head") }
        let parts = first.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else { return .malformed("bad start line") }
        var fields: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                return .malformed("bad header line")
            }
            fields.append((String(line[..<colon]), String(line[line.index(after: colon)...]).proxyTrimmed))
        }
        return .head(Head(start: (parts[0], parts[1], parts.count > 2 ? parts[2] : ""), fields: fields), length: end)
    }

    /// The index just past the blank line that ends a head.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A {
                if bytes[index + 1] == 0x0A { return index + 2 }
                if bytes[index + 1] == 0x0D, index + 2 < bytes.count, bytes[index + 2] == 0x0A { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    /// Decodes a chunked body as it arrives.
    public struct ChunkedDecoder: Sendable {
        private enum State { case size, data(Int), dataEnd, trailer }
        private var state = State.size
        private var line: [UInt8] = []
        /// Whether the last chunk and the trailer were read.
        public private(set) var isFinished = false
        /// Set when the framing is broken.
        public private(set) var isMalformed = false

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
                        if line.count > 4096 { isMalformed = true }
                        line.append(byte)
                        continue
                    }
                    if line.last == 0x0D { line.removeLast() }
                    endLine()
                }
            }
            return output
        }

        private mutating func endLine() {
            defer { line.removeAll(keepingCapacity: true) }
            switch state {
            case .size:
                let hex = String(decoding: line.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self).proxyTrimmed
                guard let size = Int(hex, radix: 16), size >= 0 else {
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
    }

    /// `bytes` as one chunk of a chunked body (empty: the last chunk).
    public static func chunk(_ bytes: some Collection<UInt8>) -> [UInt8] {
        guard !bytes.isEmpty else { return Array("0\r\n\r\n".utf8) }
        return Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + [0x0D, 0x0A]
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header values, chunk sizes).
    var proxyTrimmed: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
