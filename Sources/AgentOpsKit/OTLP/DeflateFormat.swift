/// The constants of the DEFLATE format (RFC 1951 §3.2.5-3.2.7), shared by `Inflate` and `Deflate`.
enum DeflateFormat {
    /// Base match length of length symbols 257...285.
    static let lengthBase: [UInt16] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    /// Extra bits after length symbols 257...285.
    static let lengthExtra: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    /// Base distance of distance symbols 0...29.
    static let distanceBase: [UInt16] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
        4097, 6145, 8193, 12289, 16385, 24577,
    ]
    /// Extra bits after distance symbols 0...29.
    static let distanceExtra: [UInt8] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    /// The order in which a dynamic block lists the code-length code's lengths.
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Code lengths of the fixed literal/length code (block type 1).
    static let fixedLiteralLengths: [UInt8] =
        [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
        + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8)
    /// Code lengths of the fixed distance code.
    static let fixedDistanceLengths = [UInt8](repeating: 5, count: 30)

    /// Canonical Huffman codes for `lengths`, bit-reversed because DEFLATE sends codes
    /// most significant bit first into an otherwise least-significant-first stream.
    static func reversedCodes(_ lengths: [UInt8]) -> [UInt16] {
        var lengthCount = [Int](repeating: 0, count: 16)
        for length in lengths where length > 0 { lengthCount[Int(length)] += 1 }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for bits in 1..<16 {
            next[bits] = code
            code = (code + lengthCount[bits]) << 1
        }
        return lengths.map { length in
            guard length > 0 else { return 0 }
            let c = next[Int(length)]
            next[Int(length)] += 1
            return reverse(UInt16(truncatingIfNeeded: c), bits: Int(length))
        }
    }

    static func reverse(_ value: UInt16, bits: Int) -> UInt16 {
        var v = value, r: UInt16 = 0
        for _ in 0..<bits {
            r = r << 1 | (v & 1)
            v >>= 1
        }
        return r
    }
}
