import Glibc

/// Facts about this process, and leaving it.
public enum ThisProcess {
    /// This process's id (`getpid`).
    public static var id: Int32 { getpid() }

    /// The parent's id (`getppid`): it changes when the parent dies and the process is
    /// re-parented, which is how a background helper notices it was orphaned.
    public static var parentID: Int32 { getppid() }

    /// The effective user id (`geteuid`): whose files this process may trust.
    public static var effectiveUserID: UInt32 { geteuid() }

    /// Ends this process with `status` after the C library's exit handlers and the
    /// flushing of its buffered streams (`exit(3)`).
    public static func exit(_ status: Int32) -> Never { Glibc.exit(status) }
}
