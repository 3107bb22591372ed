import AgentOpsExec

/// agentops-run's soft `RLIMIT_NOFILE`, moved for its own needs while the command gets
/// exactly the limit agentops-run was started with.
///
/// Two moves:
/// - **Headroom, at start-up** (`reserveHeadroom`). agentops-run needs a few dozen
///   descriptors of its own (pipes, the session log, the listener, Foundation's and
///   libdispatch's event descriptors). Short of them it failed in ways that depended
///   on the limit: at `ulimit -n` 16–20 libdispatch trapped (SIGILL, exit 132) when
///   `timerfd_create` failed, at 21–24 Foundation printed that it could not create a
///   socket pair and the command got 125 or 126 (issue 18's hostile pass). So the soft
///   limit is raised, up to the hard one, to leave `headroom` numbers free; when the
///   hard limit does not allow that, agentops-run refuses to start with one line.
/// - **Fitted around the spawn** (`fit`). On Linux `Process.run()` adds one
///   `posix_spawn` close action for every descriptor number from 3 up to the soft
///   limit, and the child then makes one `close` system call for each: with the 20,000
///   of this build machine that was 2 ms of a 6 ms launch, and containers often allow
///   1,048,576. The soft limit is lowered to just above the highest open descriptor
///   around `run()` (or raised to it, for a descriptor inherited above the limit).
///
/// The exec helper, which marks every descriptor above 2 close-on-exec anyway, puts the
/// command's limit (the one agentops-run started with) back before the command starts.
public enum SpawnFileLimit {
    /// Free descriptor numbers agentops-run keeps for itself: about twice what a run
    /// with the listener busy, the LLM proxy and a terminal was measured to use (26–28
    /// numbers from 0), so concurrent SDK connections have room too.
    static let headroom: UInt = 64

    /// Spare descriptor numbers left under the limit fitted for the spawn, for
    /// Foundation's socket pair and anything another thread opens meanwhile.
    private static let spawnHeadroom: UInt = 32

    /// `nonisolated(unsafe)`: written once by `reserveHeadroom(openNow:)` in `main`, before any
    /// other thread exists; only read afterwards. The command's soft limit when
    /// agentops-run raised its own.
    nonisolated(unsafe) private static var commandLimit: UInt?

    /// Why agentops-run cannot run under the current limit.
    public struct Shortage: Error, CustomStringConvertible, Equatable {
        /// The soft and hard limits.
        public var soft: UInt, hard: UInt
        /// Descriptors open at start-up (inherited, 0–2 included).
        public var open: Int

        public var description: String {
            let limit = soft == hard ? "\(soft)" : "\(soft) (hard \(hard))"
            return "ulimit -n \(limit) is too low: agentops-run needs \(headroom) descriptors besides the \(open) "
                + "it was started with; raise it to at least \(UInt(open) + headroom)"
        }
    }

    /// Makes sure `headroom` descriptor numbers are free under the soft limit, raising
    /// it (up to the hard limit) if needed. Call first thing in a run, before any
    /// descriptor of agentops-run's own is opened.
    ///
    /// - Parameter openNow: the open descriptors (0–2 included), in order.
    /// - Throws: `Shortage` when even the hard limit leaves too few: nothing was
    ///   changed.
    public static func reserveHeadroom(openNow: [Int32]) throws(Shortage) {
        guard let limits = FileLimit.current() else { return }
        let open = openNow.map { UInt(bitPattern: Int($0)) }
        // The lowest limit with `headroom` free numbers under it: the open ones under a
        // limit take no free number, the ones above it do not count.
        var needed = headroom
        while true {
            let taken = UInt(open.filter { $0 < needed }.count)
            if needed - taken >= headroom { break }
            needed = headroom + taken
        }
        guard limits.soft < needed else { return }
        guard needed <= limits.hard, FileLimit.set(soft: needed, hard: limits.hard) else {
            throw Shortage(soft: limits.soft, hard: limits.hard, open: open.count)
        }
        commandLimit = limits.soft
    }

    /// A change made for the spawn: what agentops-run puts back on itself, and what the
    /// helper sets for the command.
    struct Change {
        /// agentops-run's own soft limit before `fit()`, if it moved it.
        var own: UInt?
        /// The soft limit the command must get, when the helper does not start with it.
        var command: UInt?

        /// Puts agentops-run's own soft limit back after the spawn.
        func restoreOwn() {
            if let own { ExecHelper.restoreFileLimit(own) }
        }
    }

    /// Fits the soft limit to just above the highest open descriptor: lowered when it
    /// is far above it (fewer close actions), raised when a descriptor was inherited at
    /// or above it (the kernel keeps such a descriptor open, but the helper's `dup2` onto
    /// its own number fails with `EBADF` under a lower limit; issue 18's hostile pass
    /// saw every command fail with 126 after `exec 200</dev/null; ulimit -Sn 128`).
    ///
    /// - Returns: what to put back (in agentops-run after the spawn, and in the helper
    ///   before the exec); nil when nothing was changed, now or at start-up.
    static func fit() -> Change? {
        guard let limits = FileLimit.current(), let highest = OpenDescriptors.list(from: 0).last else {
            return commandLimit.map { Change(own: nil, command: $0) }
        }
        let fitted = UInt(highest) + 1 + spawnHeadroom
        let target: UInt
        if fitted < limits.soft {
            target = fitted
        } else if UInt(highest) >= limits.soft, UInt(highest) < limits.hard {
            target = min(fitted, limits.hard)
        } else {
            return commandLimit.map { Change(own: nil, command: $0) }
        }
        guard FileLimit.set(soft: target, hard: limits.hard) else {
            return commandLimit.map { Change(own: nil, command: $0) }
        }
        return Change(own: limits.soft, command: commandLimit ?? limits.soft)
    }
}
