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

    /// `POLLRDHUP`, the peer closed or shut down its writing side (Linux's; Swift's Glibc
    /// leaves it out, as C headers do without `_GNU_SOURCE`).
    private static let pollPeerClosed: Int16 = 0x2000

    /// Whether the peer of the socket `fd` has closed or shut down its side, looked at
    /// without waiting: a client that gave up on its request.
    public static func peerGone(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: pollPeerClosed, revents: 0)
        return poll(&entry, 1, 0) > 0 && entry.revents & (pollPeerClosed | Int16(POLLHUP | POLLERR)) != 0
    }

    /// Waits at most `milliseconds` (negative: no limit) until `fd` can be read, or the
    /// peer of the socket `watched` is gone (`peerGone`), which `peerGone` in the
    /// answer says.
    public static func readable(_ fd: Int32, unlessPeerGoneOf watched: Int32,
                                milliseconds: Int32) -> (Readiness, peerGone: Bool) {
        var entries = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: watched, events: pollPeerClosed, revents: 0)]
        let ready = poll(&entries, 2, milliseconds)
        if ready > 0 {
            return (.ready, entries[1].revents & (pollPeerClosed | Int16(POLLHUP | POLLERR)) != 0)
        }
        if ready == 0 { return (.timedOut, false) }
        return (errno == EINTR ? .interrupted : .failed(SystemError()), false)
    }

    private static func wait(_ fd: Int32, events: Int16, milliseconds: Int32) -> Readiness {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let ready = poll(&entry, 1, milliseconds)
        if ready > 0 { return .ready }
        if ready == 0 { return .timedOut }
        return errno == EINTR ? .interrupted : .failed(SystemError())
    }
}
