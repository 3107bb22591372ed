/// Eight bytes in a 64-bit word, tested all at once, for the loops that look at every
/// byte of captured output (JSON escaping, finding a line's end from the back).
///
/// Each test leaves the high bit of each byte ("lane") that passes it and nothing else,
/// exactly: in `~((x & 0x7F…) + 0x7F… | x)` the addition cannot carry from one lane
/// into the next, so no lane is marked because of its neighbour (the common
/// `(x - 0x01…) & ~x` trick can mark a 0x01 above a zero).
public enum ByteLanes {
    static let high: UInt64 = 0x8080_8080_8080_8080
    static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// `byte` in every lane.
    @inline(__always)
    public static func repeated(_ byte: UInt8) -> UInt64 { UInt64(byte) &* 0x0101_0101_0101_0101 }

    /// The lanes of `word` that are zero.
    @inline(__always)
    public static func zero(_ word: UInt64) -> UInt64 { ~(((word & low7) &+ low7) | word) & high }

    /// The lanes of `word` equal to `byte`.
    @inline(__always)
    public static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 { zero(word ^ repeated(byte)) }

    /// The lanes JSON escapes: control characters, `"`, `\`.
    ///
    /// The three tests share one masking: with `low = word & 0x7F…`, `low + 0x60` sets a
    /// lane's high bit when the lane is at least 0x20, and `(low ^ c) + 0x7F` when it is
    /// not `c` (neither carries out of its lane); a lane with its own high bit set is
    /// never special. Twelve operations a word instead of twenty: this runs on every
    /// eight bytes of captured output.
    @inline(__always)
    public static func jsonSpecial(_ word: UInt64) -> UInt64 {
        let low = word & low7
        let printable = low &+ repeated(0x60)
        let notQuote = (low ^ repeated(0x22)) &+ low7
        let notBackslash = (low ^ repeated(0x5C)) &+ low7
        return ~((printable & notQuote & notBackslash) | word) & high
    }

    /// How many lanes are marked (sums the lanes by multiplying: baseline x86-64, which
    /// this is built for, has no popcount instruction).
    @inline(__always)
    public static func count(_ marks: UInt64) -> Int { Int(((marks >> 7) &* 0x0101_0101_0101_0101) >> 56) }

    /// The word of the 8 bytes at `offset` from `base`, its first byte in the lowest lane.
    @inline(__always)
    public static func load(_ base: UnsafeRawPointer, at offset: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
