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

    /// What a socket's peer has done, as `poll` sees it.
    public enum Peer: Equatable, Sendable {
        /// Nothing seen.
        case connected
        /// It sends no more (`POLLRDHUP`): it closed its socket, or only shut down its
        /// writing side and still reads (`nc -N`): no telling which.
        case doneSending
        /// Reset, or both directions shut (`POLLHUP`, `POLLERR`).
        case gone
    }

    /// What the peer of the socket `fd` has done, looked at without waiting;
    /// `doneSending` only when `watchingDoneSending`.
    public static func peer(of fd: Int32, watchingDoneSending: Bool) -> Peer {
        var entry = pollfd(fd: fd, events: watchingDoneSending ? pollPeerClosed : 0, revents: 0)
        return poll(&entry, 1, 0) > 0 ? peer(entry.revents) : .connected
    }

    /// Waits at most `milliseconds` (negative: no limit) until `fd` can be read, or the
    /// peer of the socket `watched` does something (`peer(of:watchingDoneSending:)`).
    public static func readable(_ fd: Int32, watching watched: Int32, watchingDoneSending: Bool,
                                milliseconds: Int32) -> (Readiness, Peer) {
        // On the stack: the LLM proxy calls this once per chunk of a streamed answer.
        withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 2) { entries in
            entries[0] = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            entries[1] = pollfd(fd: watched, events: watchingDoneSending ? pollPeerClosed : 0, revents: 0)
            let ready = poll(entries.baseAddress, 2, milliseconds)
            if ready > 0 { return (entries[0].revents != 0 ? .ready : .timedOut, peer(entries[1].revents)) }
            if ready == 0 { return (.timedOut, .connected) }
            return (errno == EINTR ? .interrupted : .failed(SystemError()), .connected)
        }
    }

    private static func peer(_ revents: Int16) -> Peer {
        if revents & Int16(POLLHUP | POLLERR) != 0 { return .gone }
        return revents & pollPeerClosed != 0 ? .doneSending : .connected
    }

    private static func wait(_ fd: Int32, events: Int16, milliseconds: Int32) -> Readiness {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let ready = poll(&entry, 1, milliseconds)
        if ready > 0 { return .ready }
        if ready == 0 { return .timedOut }
        return errno == EINTR ? .interrupted : .failed(SystemError())
    }
}
