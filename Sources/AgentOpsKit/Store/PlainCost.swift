/// A cost as the index writes it: plain digits, at most 18, with or without a point
/// (most costs are `0` or a few digits after the point). Read directly, because
/// `Decimal(string:)` costs more than the rest of an index row; anything else (more
/// digits, an exponent, a sign) is left to the JSON reader.
enum PlainCost {
    /// The digits as one integer and the count of them after the point; nil when
    /// `bytes` is not such a cost.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (significand: UInt64, fraction: UInt8)? {
        var significand: UInt64 = 0
        var digits = 0, fraction = 0
        var point = false
        for byte in bytes {
            if byte == UInt8(ascii: "."), !point, digits > 0 {
                point = true
                continue
            }
            // 18 digits stay below 10^18: no overflow.
            guard (0x30...0x39).contains(byte), digits < 18 else { return nil }
            significand = significand * 10 + UInt64(byte - 0x30)
            digits += 1
            if point { fraction += 1 }
        }
        guard digits > 0, !point || fraction > 0 else { return nil }
        return (significand, UInt8(fraction))
    }
}
