import Glibc

extension ThisProcess {
    /// The most arenas the C allocator keeps, set by `limitAllocatorArenas()`.
    static let allocatorArenas: Int32 = 2

    /// Caps the C allocator's arenas at `allocatorArenas` (the main heap and one more)
    /// when the address space is limited (`ulimit -v`); without such a limit it changes
    /// nothing.
    ///
    /// glibc gives threads that allocate at the same time arenas of their own, up to 8 per
    /// core, and each arena reserves 64 MiB of address space (128 MiB for a moment while
    /// it is aligned). Resident memory does not grow with them, but under `ulimit -v` the
    /// reservations are what runs out: with the listener serving 32 clients on 2 cores,
    /// 16 arenas reserved 1 GiB, and the next allocation that found no room (a 64 KiB
    /// buffer, anywhere) ended the run in Swift's allocation-failure trap, the command's
    /// output and status lost with it (`BENCHMARKS.md`, address space). Two arenas keep
    /// the output thread and the recording thread apart; more threads share them, each
    /// with glibc's per-thread cache of small blocks in front. That sharing cost the
    /// listener's threads 8–12% more CPU on big `create_events` batches, while the
    /// reservations cost nothing when the address space is not limited: so the cap is
    /// only set when it is.
    ///
    /// Under a limit below 256 MiB there is one arena, the main heap: a second one's
    /// 128 MiB reservation may not fit at all, and glibc then tries again, with a
    /// failing `mmap`, at every allocation of the thread that wanted it (a flood's run
    /// under `ulimit -v 140000` took 34 s instead of half a second, its recording
    /// thread in that loop).
    ///
    /// Call it once, early, in an executable (not in the library's users, whose
    /// allocation is theirs).
    public static func limitAllocatorArenas() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {  // RLIM_INFINITY
            return
        }
        _ = cMallopt(-8, limit.rlim_cur < 256 << 20 ? 1 : allocatorArenas)  // M_ARENA_MAX
    }

    /// The soft limit on this process's address space (`ulimit -v`) in bytes; nil when
    /// there is none.
    public static var addressSpaceLimit: UInt64? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {
            return nil
        }
        return UInt64(limit.rlim_cur)
    }

    /// The address space this process has mapped now, in bytes (`/proc/self/statm`'s
    /// first field); nil when it cannot be read.
    public static var addressSpaceInUse: UInt64? {
        var buffer = [UInt8](repeating: 0, count: 128)
        guard let count = Descriptors.readPrefix(of: "/proc/self/statm", into: &buffer), count > 0,
              let pages = UInt64(String(decoding: buffer[0..<count].prefix { $0 != 0x20 }, as: UTF8.self)) else {
            return nil
        }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: UInt64(max(1, sysconf(Int32(_SC_PAGESIZE)))))
        return overflow ? nil : bytes
    }

    /// Caps the C allocator's arenas at `allocatorArenas` whatever the limits: for a
    /// server of local clients that start threads at will (the LLM proxy), where each
    /// thread's own arena keeps what that thread freed, so resident memory after a burst
    /// of connections stayed at hundreds of MB (round 8's hostile pass).
    public static func capAllocatorArenas() {
        _ = cMallopt(-8, allocatorArenas)  // M_ARENA_MAX
    }
}
