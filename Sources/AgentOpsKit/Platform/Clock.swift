import Glibc

/// The clocks the code reads, and sleeping: each is one call here so a port changes
/// only this file.
public enum Clock {
    /// Microseconds since the Unix epoch (`CLOCK_REALTIME`; a vDSO call, cheap enough
    /// for every event).
    public static func wallMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
    }

    /// Whole seconds since the Unix epoch (`time(2)`).
    public static func wallSeconds() -> Int64 { Int64(time(nil)) }

    /// Microseconds on `CLOCK_MONOTONIC`: for measuring durations, which a change of
    /// the wall clock must not stretch or make negative.
    public static func monotonicMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
    }

    /// Sleeps this thread for about `microseconds` (`usleep`; a signal may end it early).
    public static func sleep(microseconds: UInt32) {
        usleep(microseconds)
    }
}
