/// An event id in the canonical lowercase UUID form (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`,
/// the SDK's and every id agentops-run derives) as its 128 bits.
///
/// Sets of ids hash 16 bytes instead of a 36-character string, and keep 16 bytes per
/// id instead of a string's 16 plus its heap copy. Only the lowercase form packs, so a
/// packed id and an id kept as text can never be the same id.
struct PackedUUID: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    /// The 128 bits of `id`, or nil when it is not a lowercase canonical UUID.
    init?(_ id: String) {
        var id = id
        guard let bits = id.withUTF8({ Self.bits(of: $0) }) else { return nil }
        (high, low) = bits
    }

    private static func bits(of bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        var digits = 0
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte &- UInt8(ascii: "a") &+ 10
            default: return nil
            }
            if digits < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
            digits += 1
        }
        return (high, low)
    }
}
