import AgentOpsExec

/// The descriptors above 2 agentops-run was started with, captured before it opens
/// any of its own.
///
/// The command must start with exactly these (as under tini): Foundation's spawn
/// closes them all in the child, so `ChildLauncher` hands them to the exec helper,
/// which puts them back under the same numbers.
public enum StartupDescriptors {
    /// `nonisolated(unsafe)`: written once in `main` before any other thread exists,
    /// only read afterwards.
    nonisolated(unsafe) private static var captured: [Int32] = []

    /// Records the open descriptors. Call first thing in `main`.
    public static func capture() {
        captured = OpenDescriptors.list()
    }

    /// The inherited descriptors still open now (agentops-run closes none of them,
    /// but one may have been closed under it).
    public static var inherited: [Int32] {
        captured.filter(Descriptors.isOpen)
    }
}
