/// The checksums of the gzip (CRC-32) and zlib (Adler-32) wrappers.
public enum Checksum {
    /// Slicing-by-8 tables for the reflected CRC-32 polynomial 0xEDB88320: eight bytes per step.
    private static let crcTables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[n] = c
        }
        for n in 0..<256 {
            var c = table[n]
            for k in 1..<8 {
                c = table[Int(c & 0xFF)] ^ (c >> 8)
                table[k * 256 + n] = c
            }
        }
        return table
    }()

    /// The CRC-32 of `bytes` (gzip, PNG, zip), continuing from `crc` for data in pieces.
    ///
    /// - Parameters:
    ///   - bytes: the data.
    ///   - crc: the CRC-32 of everything before `bytes`; 0 to start.
    /// - Returns: the CRC-32 of all the data so far.
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        crcTables.withUnsafeBufferPointer { t in
            var c = ~crc
            var i = 0
            let n = bytes.count
            while i + 8 <= n {
                let lo = c ^ UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
                i += 1
            }
            return ~c
        }
    }

    /// The CRC-32 of a byte array.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { crc32($0) } }

    /// The Adler-32 of `bytes` (zlib), continuing from `adler` (1 to start).
    public static func adler32(_ bytes: UnsafeRawBufferPointer, continuing adler: UInt32 = 1) -> UInt32 {
        var a = adler & 0xFFFF, b = adler >> 16
        var i = 0
        while i < bytes.count {
            // 5552 bytes is the most that can be summed before b could overflow 32 bits.
            let end = min(i + 5552, bytes.count)
            while i < end {
                a &+= UInt32(bytes[i])
                b &+= a
                i += 1
            }
            a %= 65521
            b %= 65521
        }
        return b << 16 | a
    }

    /// The Adler-32 of a byte array.
    public static func adler32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { adler32($0) } }
}
