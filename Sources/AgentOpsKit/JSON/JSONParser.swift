
/// Parses JSON text into `JSONValue`, keeping key order and number text.
///
/// Strict RFC 8259: a session file line that is truncated or corrupted is rejected
/// with the byte offset, so the reader can report and skip it instead of guessing.
public struct JSONParser {
    /// Why a document could not be parsed.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        /// What was wrong.
        public var message: String
        /// Byte offset into the input where parsing stopped.
        public var offset: Int
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// How deep values may nest: a value `maxNesting` levels down is refused ("nesting
    /// too deep"). Readers of session files and writers of records share this one limit
    /// (see `JSONValue.nestingLevels`), so nothing is written that cannot be read back.
    public static let maxNesting = 512

    /// Parses one complete JSON document from `bytes`.
    ///
    /// - Throws: `JSONParser.Failure` on any syntax error or trailing garbage.
    public static func parse<C: Collection>(_ bytes: C) throws -> JSONValue where C.Element == UInt8 {
        // A line of a session file is parsed where it lies, without a copy.
        if let value = try bytes.withContiguousStorageIfAvailable({ try parse(buffer: $0) }) { return value }
        return try Array(bytes).withUnsafeBufferPointer { try parse(buffer: $0) }
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var parser = Cursor(bytes: buffer)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw parser.failure("unexpected data after the JSON value") }
        return value
    }

    /// Parses one complete JSON document from a string.
    public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }

    /// Whether `text` is a JSON number and nothing else (no sign `+`, space, hex, `inf`
    /// or `nan`): the test for a number sent as a string, which `Double.init` would read
    /// more widely (`"0x10"` as 16).
    public static func isNumber(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { buffer in
            guard let first = buffer.first, first == UInt8(ascii: "-") || (0x30...0x39).contains(first) else { return false }
            var cursor = Cursor(bytes: buffer)
            return (try? cursor.parseNumber()) != nil && cursor.index == buffer.count
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func failure(_ message: String) -> Failure { Failure(message: message, offset: index) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func expect(_ literal: StaticString, value: JSONValue) throws -> JSONValue {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw failure("truncated literal") }
            for i in 0..<count where bytes[index + i] != literal.utf8Start[i] {
                throw failure("invalid literal")
            }
            index += count
            return value
        }

        mutating func parseValue(depth: Int) throws -> JSONValue {
            guard depth < JSONParser.maxNesting else { throw failure("nesting too deep") }
            guard index < bytes.count else { throw failure("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): return try expect("true", value: .bool(true))
            case UInt8(ascii: "f"): return try expect("false", value: .bool(false))
            case UInt8(ascii: "n"): return try expect("null", value: .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw failure("unexpected character")
            }
        }

        mutating func parseObject(depth: Int) throws -> JSONValue {
            index += 1
            var pairs: [(String, JSONValue)] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(pairs) }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a key") }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                skipWhitespace()
                pairs.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw failure("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(pairs) }
                throw failure("expected ',' or '}'")
            }
        }

        mutating func parseArray(depth: Int) throws -> JSONValue {
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw failure("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                throw failure("expected ',' or ']'")
            }
        }

        mutating func parseNumber() throws -> JSONValue {
            let start = index
            func digits() -> Int {
                let from = index
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
                return index - from
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw failure("truncated number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                throw failure("invalid number")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw failure("invalid fraction") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits() > 0 else { throw failure("invalid exponent") }
            }
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }

        /// A string: one pass to find its end (and whether it has escapes), then the
        /// text decoded straight into the new string's storage, which an escaped text
        /// never outgrows. Session files hold megabyte strings full of `\n` escapes;
        /// this path is what reading them back costs.
        mutating func parseString() throws -> String {
            index += 1
            let start = index
            var escaped = false
            while true {
                guard index < bytes.count else { throw failure("unterminated string") }
                let c = bytes[index]
                if c == 0x22 { break }
                if c < 0x20 { throw failure("control character in string") }
                if c == 0x5C {
                    escaped = true
                    index += 2
                } else {
                    index += 1
                }
            }
            let end = index
            index += 1
            let text = UnsafeBufferPointer(rebasing: bytes[start..<end])
            guard escaped else { return String(decoding: text, as: UTF8.self) }
            return try String(unsafeUninitializedCapacity: text.count) { out in
                try Self.unescape(text, into: out, offset: start)
            }
        }

        /// Decodes the escaped string body `text` into `out`; returns the bytes written.
        private static func unescape(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>,
                                     offset: Int) throws -> Int {
            var read = 0
            var written = 0
            func fail(_ message: String) -> Failure { Failure(message: message, offset: offset + read) }
            func hex4() throws -> UInt32 {
                guard read + 4 <= text.count else { throw fail("truncated \\u escape") }
                var value: UInt32 = 0
                for _ in 0..<4 {
                    let c = text[read]
                    let digit: UInt32
                    switch c {
                    case 0x30...0x39: digit = UInt32(c - 0x30)
                    case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
                    case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
                    default: throw fail("invalid \\u escape")
                    }
                    value = value << 4 | digit
                    read += 1
                }
                return value
            }
            while read < text.count {
                // Copy the run up to the next backslash in one go.
                let rest = text.count - read
                let run: Int
                if let hit = ByteSearch.first(0x5C, in: text.baseAddress! + read, count: rest) {
                    run = UnsafeRawPointer(text.baseAddress!).distance(to: hit) - read
                } else {
                    run = rest
                }
                if run > 0 {
                    (out.baseAddress! + written).update(from: text.baseAddress! + read, count: run)
                    written += run
                    read += run
                }
                guard read < text.count else { break }
                read += 1
                guard read < text.count else { throw fail("unterminated escape") }
                let escape = text[read]
                read += 1
                let byte: UInt8
                switch escape {
                case UInt8(ascii: "n"): byte = 0x0A
                case UInt8(ascii: "\""): byte = 0x22
                case UInt8(ascii: "\\"): byte = 0x5C
                case UInt8(ascii: "/"): byte = 0x2F
                case UInt8(ascii: "t"): byte = 0x09
                case UInt8(ascii: "r"): byte = 0x0D
                case UInt8(ascii: "b"): byte = 0x08
                case UInt8(ascii: "f"): byte = 0x0C
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar), read + 6 <= text.count,
                       text[read] == UInt8(ascii: "\\"), text[read + 1] == UInt8(ascii: "u") {
                        let save = read
                        read += 2
                        let low = try hex4()
                        if (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            read = save
                        }
                    }
                    // A lone surrogate cannot be represented in Swift; it becomes U+FFFD.
                    for unit in (Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8 {
                        out[written] = unit
                        written += 1
                    }
                    continue
                default: throw fail("invalid escape")
                }
                out[written] = byte
                written += 1
            }
            return written
        }
    }
}
