import Glibc

/// Bytes from the C allocator where running out must be a refusal rather than Swift's
/// allocation-failure trap, which ends the process without a word (`ulimit -v`).
///
/// `@unchecked Sendable`: it is handed whole to the one thread that uses and frees it.
struct FallibleBuffer: @unchecked Sendable {
    /// The memory, uninitialised.
    let bytes: UnsafeMutableRawBufferPointer

    /// `count` bytes, or nil when the allocator has none.
    init?(count: Int) {
        guard let base = malloc(count) else { return nil }
        bytes = UnsafeMutableRawBufferPointer(start: base, count: count)
    }

    /// `count` bytes starting at a multiple of `alignment` (a power of two, at least a
    /// pointer's size), or nil, with `errno` ENOMEM, when the allocator has none.
    init?(count: Int, alignment: Int) {
        var base: UnsafeMutableRawPointer?
        guard posix_memalign(&base, alignment, count) == 0, let base else {
            errno = ENOMEM
            return nil
        }
        bytes = UnsafeMutableRawBufferPointer(start: base, count: count)
    }

    /// Whether `count` bytes could be had just now (taken and given back at once): a
    /// look before a large Swift allocation, which traps where this says no.
    static func available(_ count: Int) -> Bool {
        guard let base = malloc(count) else { return false }
        Glibc.free(base)
        return true
    }

    /// Gives the memory back; the buffer must not be used after.
    func free() { Glibc.free(bytes.baseAddress) }
}
