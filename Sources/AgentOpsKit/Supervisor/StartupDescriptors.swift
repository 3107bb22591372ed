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

    /// Why agentops-run cannot hand its inherited descriptors to the command.
    public struct TooMany: Error, CustomStringConvertible, Equatable {
        /// How many descriptors above 2 agentops-run was started with.
        public var count: Int

        public var description: String {
            "agentops-run was started with \(count) open descriptors above 2; it can pass at most "
                + "\(ExecHelper.maxInherited) to the command: close the others first"
        }
    }

    /// Refuses, before anything is recorded, a start the exec helper could not serve:
    /// more inherited descriptors than one message carries (the command got a 126 with
    /// "Protocol error", or a 125 recorded as a failed session).
    ///
    /// - Throws: `TooMany`.
    public static func checkPassable() throws(TooMany) {
        guard captured.count <= ExecHelper.maxInherited else { throw TooMany(count: captured.count) }
    }

    /// Closes the inherited descriptors at or above the hard limit on open files and
    /// forgets them: the command cannot have them under their numbers (the helper's
    /// `dup2` to such a number fails), and while agentops-run held one, Foundation's
    /// spawn refused to start anything ("Bad file descriptor": every command failed with
    /// 126, blamed on the helper). Bare, a command would have kept them; the caller says
    /// which were dropped. Call before `checkPassable`.
    ///
    /// - Returns: the descriptors closed, and the hard limit.
    public static func dropAboveHardLimit() -> (closed: [Int32], hard: UInt) {
        guard let hard = FileLimit.current()?.hard else { return ([], 0) }
        let above = captured.filter { UInt(bitPattern: Int($0)) >= hard }
        for fd in above { Descriptors.close(fd) }
        captured.removeAll { above.contains($0) }
        return (above, hard)
    }

    /// 0, 1 and 2 (open once `StandardDescriptors.ensureOpen` ran) and the captured
    /// ones: what agentops-run holds before it opens anything, without listing
    /// `/proc/self/fd` a second time.
    public static var standardAndInherited: [Int32] { [0, 1, 2] + captured }

    /// The inherited descriptors still open now (agentops-run closes none of them,
    /// but one may have been closed under it).
    public static var inherited: [Int32] {
        captured.filter(Descriptors.isOpen)
    }
}
