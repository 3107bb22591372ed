import Glibc

/// Wakes a follower of a file as soon as the file is written to (Linux `inotify`), so a
/// record appended to a session log is seen within a millisecond instead of at the next
/// look of a polling loop: at the end of a run, agentops-run waits for its exporters to
/// see the end record, and every millisecond of that is added to the run.
///
/// Only a hint: the follower still reads the file to know what changed, and still looks
/// every `timeout` at most, so a lost or unavailable watch (inotify's limits, a file
/// system without it) only makes it slower, never wrong.
public final class FileWatch {
    private let fd: Int32

    /// A watch on `path` for writes, or nil when inotify cannot watch it.
    public init?(path: String) {
        fd = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard fd >= 0 else { return nil }
        let events = UInt32(IN_MODIFY) | UInt32(IN_ATTRIB) | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)
        guard inotify_add_watch(fd, path, events) >= 0 else {
            close(fd)
            return nil
        }
    }

    deinit { close(fd) }

    /// Waits until the file was written to since the last call, or `milliseconds` pass.
    public func wait(milliseconds: Int32) {
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&ready, 1, milliseconds)
        // Drop the queued events: one wake-up covers every write before it.
        var events = [UInt8](repeating: 0, count: 4096)
        while read(fd, &events, events.count) > 0 {}
    }
}
