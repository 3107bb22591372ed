/// A session id as 128 bits, read from the 36 lowercase characters of a log's file name
/// or an index line without making a `String` of them.
///
/// Listing 100,000 sessions matches every log of the store's folder to its index entry:
/// as `String`s that was an allocation, a UTF-8 check and a SipHash of 36 bytes per id,
/// three times over (the folder, the index, the log's path). Two words hash and compare
/// in a few instructions, and the `String` is made only for the sessions shown.
struct PackedSessionID: Hashable, Sendable {
    /// The first and last 64 bits of the UUID.
    let high: UInt64, low: UInt64

    /// The id whose canonical text (lowercase, hyphenated) is the 36 bytes at `bytes`;
    /// nil for anything else, capitals included (the store writes its names lowercase).
    init?(_ bytes: UnsafePointer<UInt8>) {
        // The groups of 8, 4, 4, 4 and 12 digits between the hyphens, a group at a time.
        guard bytes[8] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: "-"), bytes[18] == UInt8(ascii: "-"),
              bytes[23] == UInt8(ascii: "-") else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        guard Self.digits(bytes, 0..<8, into: &high), Self.digits(bytes, 9..<13, into: &high),
              Self.digits(bytes, 14..<18, into: &high), Self.digits(bytes, 19..<23, into: &low),
              Self.digits(bytes, 24..<36, into: &low) else { return nil }
        (self.high, self.low) = (high, low)
    }

    /// Shifts the lowercase hexadecimal digits at `range` of `bytes` into `value`;
    /// false at anything else.
    @inline(__always)
    private static func digits(_ bytes: UnsafePointer<UInt8>, _ range: Range<Int>, into value: inout UInt64) -> Bool {
        for index in range {
            let byte = bytes[index]
            let decimal = byte &- 0x30
            let letter = byte &- 0x61
            let digit: UInt8
            if decimal < 10 { digit = decimal } else if letter < 6 { digit = letter &+ 10 } else { return false }
            value = value &<< 4 | UInt64(digit)
        }
        return true
    }

    /// The id in `id` when it is canonical (as `init(_:)` over its bytes).
    init?(_ id: SessionID) {
        var text = id.value
        guard let packed = text.withUTF8({ $0.count == 36 ? PackedSessionID($0.baseAddress!) : nil }) else {
            return nil
        }
        self = packed
    }

    /// The canonical text, as a `SessionID`.
    var sessionID: SessionID {
        let text = String(unsafeUninitializedCapacity: 36) { buffer in
            writeText(into: buffer.baseAddress!)
            return 36
        }
        // 36 bytes of hexadecimal digits and hyphens: always an id.
        return SessionID(text)!
    }

    /// Writes the 36 bytes of the canonical text at `out`.
    func writeText(into out: UnsafeMutablePointer<UInt8>) {
        Self.write(high >> 32, count: 8, at: out)
        out[8] = UInt8(ascii: "-")
        Self.write(high >> 16, count: 4, at: out + 9)
        out[13] = UInt8(ascii: "-")
        Self.write(high, count: 4, at: out + 14)
        out[18] = UInt8(ascii: "-")
        Self.write(low >> 48, count: 4, at: out + 19)
        out[23] = UInt8(ascii: "-")
        Self.write(low, count: 12, at: out + 24)
    }

    /// Writes the low `count` digits of `value` in lowercase hexadecimal at `out`.
    @inline(__always)
    private static func write(_ value: UInt64, count: Int, at out: UnsafeMutablePointer<UInt8>) {
        var value = value
        for index in stride(from: count - 1, through: 0, by: -1) {
            let digit = UInt8(truncatingIfNeeded: value & 0xF)
            out[index] = digit < 10 ? digit &+ 0x30 : digit &+ 0x57
            value >>= 4
        }
    }

    /// Calls `body` with the log's file name, `ID.jsonl`, NUL-terminated, from the stack.
    func withFileName<T>(_ body: (UnsafePointer<CChar>) -> T) -> T {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 43) { buffer in
            let out = buffer.baseAddress!
            writeText(into: out)
            (out[36], out[37], out[38], out[39], out[40], out[41], out[42]) = (0x2E, 0x6A, 0x73, 0x6F, 0x6E, 0x6C, 0)
            return buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
