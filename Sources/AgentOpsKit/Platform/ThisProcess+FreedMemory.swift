import Glibc

extension ThisProcess {
    /// The C allocator's limits for handing memory back to the kernel, set by
    /// `keepFreedMemory()`.
    static let freedMemoryLimits = (mmapThreshold: Int32(8 << 20), trimThreshold: Int32(64 << 20))

    /// Keeps freed blocks of up to 8 MiB in the C allocator for reuse, instead of
    /// returning them to the kernel and faulting fresh pages in for the next one.
    ///
    /// A flood of captured output allocates and frees megabyte buffers all along (an
    /// event's text, its string, its JSON line, the tail being split at the end). By
    /// default glibc gives such blocks back to the kernel: a thread's arena shrinks
    /// (`madvise(MADV_DONTNEED)`) once 2× the last freed size lies free at its top, and
    /// the next buffer faults in and zeroes 256 new pages per megabyte. At the end of a
    /// 20 M-line run those faults and trims were about a fifth of the time between the
    /// command's exit and agentops-run's (BENCHMARKS.md, round 5). Bigger blocks (an 8 MiB session line read back) are still mapped on their own
    /// and returned when freed, and an arena keeps at most 64 MiB free at its top, so
    /// what stays resident is what the run's busiest moment needed.
    ///
    /// Setting either limit turns off glibc's own adjustment of them; call this once,
    /// early, in an executable (not in the library's users, whose allocation is theirs).
    public static func keepFreedMemory() {
        _ = cMallopt(-3, freedMemoryLimits.mmapThreshold)  // M_MMAP_THRESHOLD
        _ = cMallopt(-1, freedMemoryLimits.trimThreshold)  // M_TRIM_THRESHOLD
    }
}

/// glibc's `mallopt(3)`, which the Glibc module does not import (`<malloc.h>` is not in
/// it): two `int`s in, an `int` out, passed alike by Swift and C on the targets built for.
@_silgen_name("mallopt")
func cMallopt(_ parameter: Int32, _ value: Int32) -> Int32
