import Glibc

/// Searching raw bytes with the C library's vectorised `memchr` and `memcmp`, for the
/// loops that scan every byte they are given (JSON strings, redaction, line splitting).
public enum ByteSearch {
    /// The first `byte` in the `count` bytes at `start`; nil when there is none.
    @inline(__always)
    public static func first(_ byte: UInt8, in start: UnsafeRawPointer, count: Int) -> UnsafeRawPointer? {
        memchr(start, Int32(byte), count).map { UnsafeRawPointer($0) }
    }

    /// The last `byte` in the `count` bytes at `start`; nil when there is none.
    ///
    /// Eight bytes at a time from the end (`memrchr` is a GNU extension Swift's Glibc
    /// module does not offer). Made for text with short lines, where the last newline
    /// is a few bytes from the end.
    public static func last(_ byte: UInt8, in start: UnsafeRawPointer, count: Int) -> UnsafeRawPointer? {
        var end = count
        while end >= 8 {
            let marks = ByteLanes.equal(ByteLanes.load(start, at: end - 8), byte)
            if marks != 0 { return start + (end - 8 + ((63 - marks.leadingZeroBitCount) >> 3)) }
            end -= 8
        }
        while end > 0 {
            end -= 1
            if start.load(fromByteOffset: end, as: UInt8.self) == byte { return start + end }
        }
        return nil
    }

    /// Whether the `count` bytes at `a` and at `b` are the same.
    @inline(__always)
    public static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        memcmp(a, b, count) == 0
    }
}
