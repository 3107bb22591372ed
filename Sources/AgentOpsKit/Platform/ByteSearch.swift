import Glibc

/// Searching raw bytes with the C library's vectorised `memchr` and `memcmp`, for the
/// loops that scan every byte they are given (JSON strings, redaction).
public enum ByteSearch {
    /// The first `byte` in the `count` bytes at `start`; nil when there is none.
    @inline(__always)
    public static func first(_ byte: UInt8, in start: UnsafeRawPointer, count: Int) -> UnsafeRawPointer? {
        memchr(start, Int32(byte), count).map { UnsafeRawPointer($0) }
    }

    /// Whether the `count` bytes at `a` and at `b` are the same.
    @inline(__always)
    public static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        memcmp(a, b, count) == 0
    }
}
