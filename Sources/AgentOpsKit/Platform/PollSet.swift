import Glibc

/// Waiting for any of several descriptors to be readable with `poll(2)`, for the
/// threads that serve a few pipes or terminals at once (the output pump, the key relay).
///
/// A descriptor is referred to by its index in the list the set was made with, so the
/// caller's arrays of streams line up with it.
public struct PollSet {
    private var entries: [pollfd]

    /// A set waiting for input (or hang-up) on each of `fds`.
    public init(_ fds: [Int32]) {
        entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    }

    /// Stops watching the descriptor at `index` (it was closed): `poll` ignores
    /// negative descriptors, so the indices of the others stay as they were.
    public mutating func remove(at index: Int) {
        entries[index].fd = -1
        entries[index].revents = 0
    }

    /// Waits at most `milliseconds` (negative: no limit) until one descriptor is ready.
    ///
    /// - Returns: `.ready` with `isReady(_:)` telling which; `.interrupted` when a
    ///   signal came first (the caller decides how much time is left).
    public mutating func wait(milliseconds: Int32) -> Readiness {
        for index in entries.indices { entries[index].revents = 0 }
        let ready = poll(&entries, nfds_t(entries.count), milliseconds)
        if ready > 0 { return .ready }
        if ready == 0 { return .timedOut }
        return errno == EINTR ? .interrupted : .failed(SystemError())
    }

    /// Whether the descriptor at `index` had input, an error or a hang-up at the last
    /// `wait`.
    public func isReady(_ index: Int) -> Bool { entries[index].revents != 0 }
}
