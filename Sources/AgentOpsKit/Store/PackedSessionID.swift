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
        var high: UInt64 = 0, low: UInt64 = 0
        var digits = 0
        for index in 0..<36 {
            let byte = bytes[index]
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case 0x30...0x39: value = byte &- 0x30
            case 0x61...0x66: value = byte &- 0x61 &+ 10
            default: return nil
            }
            if digits < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
            digits += 1
        }
        (self.high, self.low) = (high, low)
    }

    /// The id in `text` when it is canonical (as `init(_:)` over its bytes).
    init?(_ id: SessionID) {
        var text = id.value
        guard let packed = text.withUTF8({ $0.count == 36 ? PackedSessionID($0.baseAddress!) : nil }) else {
            return nil
        }
        self = packed
    }

    /// The canonical text, as a `SessionID`.
    var sessionID: SessionID {
        // 36 ASCII bytes written once; `SessionID.init` checks them as for any id.
        let text = String(unsafeUninitializedCapacity: 36) { buffer in
            writeText(into: buffer.baseAddress!)
            return 36
        }
        return SessionID(text)!
    }

    /// Writes the 36 bytes of the canonical text at `out`.
    func writeText(into out: UnsafeMutablePointer<UInt8>) {
        let hex: StaticString = "0123456789abcdef"
        var digit = 0
        for index in 0..<36 {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                out[index] = UInt8(ascii: "-")
                continue
            }
            let word = digit < 16 ? high : low
            let shift = UInt64(60 - 4 * (digit % 16))
            out[index] = hex.utf8Start[Int((word >> shift) & 0xF)]
            digit += 1
        }
    }

    /// Calls `body` with the log's file name, `ID.jsonl`, NUL-terminated, from the stack.
    func withFileName<T>(_ body: (UnsafePointer<CChar>) -> T) -> T {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 43) { buffer in
            writeText(into: buffer.baseAddress!)
            for (offset, byte) in ".jsonl\0".utf8.enumerated() { buffer[36 + offset] = byte }
            return buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
