#if hasFeature(Embedded)
import CExecSystem  // agentops-run-exec (Sources/CExecSystem says why)
#else
import Glibc
#endif

/// Putting received descriptors under the numbers the command must see them as, in
/// place: no number above the highest target is ever needed.
///
/// The helper used to move every received descriptor above the highest target first
/// and then `dup2` each down. With a soft `RLIMIT_NOFILE` of 256 and an inherited fd 251
/// that needed five numbers in 252…255 and failed with EMFILE: every command exited 126
/// (issue 18's hostile pass). Here each move is one `dup2` straight to its target, in an
/// order that never overwrites a descriptor still to be moved (a parallel move, as a
/// register allocator does it); when what is left only forms cycles (3 ← 4 and 4 ← 3), one
/// descriptor is parked at the lowest free number, which is not a target: every target
/// number is taken at that point.
public enum DescriptorPlacement {
    /// Moves `sources[i]` to `targets[i]` for every i, leaving each target without
    /// close-on-exec and closing the sources (received close-on-exec, they would go at
    /// `exec` anyway).
    ///
    /// - Parameters:
    ///   - sources: distinct open descriptors.
    ///   - targets: distinct numbers, as many as `sources`.
    /// - Returns: 0, or the errno of the first call that failed.
    public static func place(_ sources: [Int32], at targets: [Int32]) -> Int32 {
        var pending: [(from: Int32, to: Int32)] = []
        for (from, to) in zip(sources, targets) {
            if from == to {
                guard fcntl(to, F_SETFD, 0) == 0 else { return errno }
            } else {
                pending.append((from, to))
            }
        }
        while !pending.isEmpty {
            if let index = pending.firstIndex(where: { move in !pending.contains { $0.from == move.to } }) {
                let move = pending.remove(at: index)
                guard dup2(move.from, move.to) >= 0 else { return errno }
                // Not a target of any move done (that one would have waited for it), so
                // nothing the command gets is closed here.
                close(move.from)
            } else {
                // Only cycles are left: park the descriptor that sits on the first move's
                // target, and that move can go.
                let blocked = pending[0].to
                let parked = fcntl(blocked, F_DUPFD_CLOEXEC, 0)
                guard parked >= 0 else { return errno }
                for index in pending.indices where pending[index].from == blocked { pending[index].from = parked }
            }
        }
        return 0
    }
}
