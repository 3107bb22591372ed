/// A 16-byte OTLP trace id, held as two big-endian halves.
///
/// Two integers instead of a byte array: a span carries three ids, and decoding 100,000 spans
/// a second cannot afford an allocation for each. All-zero is the "no id" value OTLP calls
/// invalid; the protobuf encoder omits it, as protobuf omits an empty `bytes` field.
public struct OTLPTraceID: Sendable, Hashable, CustomStringConvertible {
    /// The first eight bytes, big-endian.
    public var high: UInt64
    /// The last eight bytes, big-endian.
    public var low: UInt64

    /// The all-zero id, OTLP's "invalid" id.
    public static let zero = OTLPTraceID(high: 0, low: 0)

    /// An id from its two big-endian halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An id from exactly 16 bytes, or nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            if i < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// An id from 32 hex digits (either case), or nil.
    public init?(hex: String) {
        guard let halves = HexID.parse(hex, words: 2) else { return nil }
        self.init(high: halves.0, low: halves.1)
    }

    /// True for the all-zero id.
    public var isZero: Bool { high == 0 && low == 0 }

    /// The 16 bytes, most significant first, as they travel in protobuf.
    public var bytes: [UInt8] { HexID.bytes(high) + HexID.bytes(low) }

    /// 32 lowercase hex digits, as OTLP/JSON and W3C `traceparent` write it.
    public var hex: String { HexID.hex(high) + HexID.hex(low) }

    public var description: String { hex }
}

/// An 8-byte OTLP span id, held as one big-endian integer (all-zero means "no id").
public struct OTLPSpanID: Sendable, Hashable, CustomStringConvertible {
    /// The eight bytes, big-endian.
    public var value: UInt64

    /// The all-zero id, OTLP's "invalid" id.
    public static let zero = OTLPSpanID(0)

    /// An id from its big-endian integer value.
    public init(_ value: UInt64) { self.value = value }

    /// An id from exactly 8 bytes, or nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 8 else { return nil }
        self.init(bytes.reduce(0) { $0 << 8 | UInt64($1) })
    }

    /// An id from 16 hex digits (either case), or nil.
    public init?(hex: String) {
        guard let words = HexID.parse(hex, words: 1) else { return nil }
        self.init(words.0)
    }

    /// True for the all-zero id.
    public var isZero: Bool { value == 0 }

    /// The 8 bytes, most significant first.
    public var bytes: [UInt8] { HexID.bytes(value) }

    /// 16 lowercase hex digits.
    public var hex: String { HexID.hex(value) }

    public var description: String { hex }
}

/// Hex and byte conversions shared by the two id types.
enum HexID {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `words` big-endian 64-bit words from exactly `16 * words` hex digits.
    static func parse(_ text: String, words: Int) -> (UInt64, UInt64)? {
        if let parsed = text.utf8.withContiguousStorageIfAvailable({
            parse(UnsafeRawBufferPointer($0), words: words)
        }) {
            return parsed
        }
        return Array(text.utf8).withUnsafeBytes { parse($0, words: words) }
    }

    static func parse(_ text: UnsafeRawBufferPointer, words: Int) -> (UInt64, UInt64)? {
        guard text.count == 16 * words else { return nil }
        var result: (UInt64, UInt64) = (0, 0)
        for i in 0..<text.count {
            let c = text[i]
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c &- UInt8(ascii: "A") &+ 10
            default: return nil
            }
            if i < 16 { result.0 = result.0 << 4 | UInt64(nibble) } else { result.1 = result.1 << 4 | UInt64(nibble) }
        }
        return result
    }

    static func bytes(_ word: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64($0))) }
    }

    static func hex(_ word: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { out in
            for i in 0..<16 {
                out[i] = digits[Int(truncatingIfNeeded: word >> (60 - 4 * UInt64(i))) & 0xF]
            }
            return 16
        }
    }
}
