/// Makes sure descriptors 0, 1 and 2 are open before any other file is.
///
/// Started with one of them closed (`agentops-run … >&-`), the next `pipe()` or
/// `open()` would take its number: pass-through would then write into agentops-run's
/// own pipe or session file. As tini and most daemons do, a closed one is pointed at
/// `/dev/null`, so writes to it are discarded as they would have failed anyway.
public enum StandardDescriptors {
    /// Opens `/dev/null` on each closed standard descriptor.
    public static func ensureOpen() {
        for fd in Int32(0)...2 { Descriptors.openNullIfClosed(fd) }
    }
}
