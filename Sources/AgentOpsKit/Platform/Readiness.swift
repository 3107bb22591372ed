import Glibc

/// Waiting for one descriptor with `poll(2)`, for the places that wait on a single
/// pipe or socket with a deadline.
public enum Readiness: Equatable, Sendable {
    /// The descriptor is ready (or has an error or hang-up to report, which the next
    /// read or write returns).
    case ready
    /// The time ran out first.
    case timedOut
    /// A signal arrived first: the caller decides how much time is left.
    case interrupted
    /// `poll` failed.
    case failed(SystemError)

    /// Waits at most `milliseconds` (negative: no limit) until `fd` can be read.
    public static func readable(_ fd: Int32, milliseconds: Int32) -> Readiness {
        wait(fd, events: Int16(POLLIN), milliseconds: milliseconds)
    }

    /// Waits at most `milliseconds` (negative: no limit) until `fd` can be written
    /// (a non-blocking `connect` has finished).
    public static func writable(_ fd: Int32, milliseconds: Int32) -> Readiness {
        wait(fd, events: Int16(POLLOUT), milliseconds: milliseconds)
    }

    private static func wait(_ fd: Int32, events: Int16, milliseconds: Int32) -> Readiness {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let ready = poll(&entry, 1, milliseconds)
        if ready > 0 { return .ready }
        if ready == 0 { return .timedOut }
        return errno == EINTR ? .interrupted : .failed(SystemError())
    }
}
