/// The memory of the capture tail's ring: whole pages at a page-aligned address, shared
/// by copies of a `CaptureBudget` until one of them writes (`CaptureBudget` copies it
/// first, as an array would be copied).
///
/// Why not a `[UInt8]`: most of a flood's bytes are read from the command's pipe straight
/// into this ring, and the kernel's copy to the reader runs at full speed only when each
/// byte lands at the same offset within a page as it has in the pipe's page. An array's
/// elements start 32 bytes past an allocation that itself starts 16 bytes into a page,
/// and a ring of 1 MiB + 1 bytes shifts the offsets by one more at every wrap. Measured
/// on the 2-core VM (`seq 1 20000000` into a C reader with 256 KiB reads, 15 rounds):
/// a buffer 16 bytes into a page took 1.07× the time of `seq … | tee FILE` and 65 ms
/// more CPU; the same buffer page-aligned, 1.02× (BENCHMARKS.md, round 10).
final class CaptureRing {
    /// The alignment and the unit of the capacity: x86-64's and most Linux systems'
    /// page. On systems with larger pages the ring is still aligned to 4 KiB, which is
    /// what the copy cares about.
    static let pageBytes = 4096

    /// The ring's bytes: `count` is a multiple of `pageBytes`. Only bytes written are
    /// ever read.
    let bytes: UnsafeMutableRawBufferPointer

    /// A ring of at least `minimumCapacity` bytes, rounded up to whole pages.
    init(minimumCapacity: Int) {
        let pages = (max(1, minimumCapacity) + Self.pageBytes - 1) / Self.pageBytes
        bytes = .allocate(byteCount: pages * Self.pageBytes, alignment: Self.pageBytes)
    }

    deinit { bytes.deallocate() }

    /// A ring holding the same bytes, for a copy of the budget about to write.
    func copy() -> CaptureRing {
        let copy = CaptureRing(minimumCapacity: bytes.count)
        copy.bytes.copyMemory(from: UnsafeRawBufferPointer(bytes))
        return copy
    }
}
