/// Whether a `ulimit -v` leaves agentops-run room for what it takes once the command
/// runs: the threads that start with the command (signals, its exit, the listener, the
/// recording queue), each with a stack to map, and the events it records.
///
/// In a band of limits just above the least agentops-run starts with, the command
/// started and agentops-run then died in Swift's allocation trap, the command's output
/// cut short and its status lost (13 runs in 198 of a sweep, 88–106 MB, second hostile
/// pass, round 10): no single allocation is to blame, each thread's stack and each
/// event takes its share. Below the room it needs, the command does not start (125,
/// one line) rather than being cut off.
enum AddressSpaceHeadroom {
    /// What the run maps once the command runs, at most: measured 18 MiB at the edge
    /// of the band, with room to spare.
    static let needed: UInt64 = 32 << 20

    /// What the run maps from its first line to the command's launch, at least, besides
    /// `needed`: the stacks of two of the threads it starts before the command (measured
    /// 25 MiB, release build, one malloc arena).
    static let startUp: UInt64 = 16 << 20

    /// The room the run's environment takes on the way to the launch, in copies of it:
    /// read as strings, read again as entries, laid out as the command's
    /// (`EnvironmentLayout`), put in the command block grown by doubling, with malloc's
    /// share of each. Measured: a 4.8 MB environment (48 variables of 100 kB) needed 20–
    /// 40 MB more than none, and died in Swift's allocation trap between 130 and 170 MB
    /// (SIGABRT, a trace; round 13's hostile pass); 8 still let a run die at 170 MB.
    static let environmentCopies: UInt64 = 16

    /// Why the command must not start, or nil when there is room (or no limit).
    static func shortfall(limit: UInt64? = ThisProcess.addressSpaceLimit,
                          inUse: () -> UInt64? = { ThisProcess.addressSpaceInUse }) -> String? {
        shortfall(of: needed, when: "once the command runs", limit: limit, inUse: inUse)
    }

    /// Why the command block must not be laid out: `shortfall()`, with room for the
    /// copies of the environment still to be made (read as entries, laid out, put in
    /// the block, grown by doubling). Under a limit the start's check let through, the
    /// block's allocation died in Swift's allocation trap (a 1 MB environment at 150 MB,
    /// SIGABRT and a trace, round 14).
    static func shortfallForCommandBlock(environmentBytes: UInt64 = ThisProcess.environmentBytes,
                                         limit: UInt64? = ThisProcess.addressSpaceLimit,
                                         inUse: () -> UInt64? = { ThisProcess.addressSpaceInUse }) -> String? {
        shortfall(of: needed + roundedUp(min(environmentBytes, 1 << 40) * 4), when: "to start the command",
                  limit: limit, inUse: inUse)
    }

    /// `bytes` rounded up to whole MiB.
    private static func roundedUp(_ bytes: UInt64) -> UInt64 { ((bytes + (1 << 20) - 1) >> 20) << 20 }

    /// Why the run must not begin, looked at first thing, before any thread or session:
    /// nil when there is room for what it maps until the launch and after (or no limit).
    ///
    /// Under a limit that leaves less, the run was refused at the launch, or died on the
    /// way there, of whichever allocation failed first (SIGABRT, SIGILL or SIGSEGV
    /// between 88.5 and 89.1 MB, release build, round 11): refused at once, nothing begun.
    ///
    /// - Parameter environmentBytes: the size of the run's environment, which is copied
    ///   several times on the way (`environmentCopies`).
    static func shortfallAtStart(limit: UInt64? = ThisProcess.addressSpaceLimit,
                                 environmentBytes: UInt64 = ThisProcess.environmentBytes,
                                 inUse: () -> UInt64? = { ThisProcess.addressSpaceInUse }) -> String? {
        // At most ARG_MAX (a quarter of the stack limit) in practice; capped so that the
        // product cannot overflow whatever is asked.
        let environment = roundedUp(min(environmentBytes, 1 << 40) * environmentCopies)
        return shortfall(of: needed + startUp + environment, when: "to start the command", limit: limit, inUse: inUse)
    }

    private static func shortfall(of room: UInt64, when: String, limit: UInt64?, inUse: () -> UInt64?) -> String? {
        guard let limit, let used = inUse() else { return nil }
        let free = limit > used ? limit - used : 0
        guard free < room else { return nil }
        return "ulimit -v leaves agentops-run \(free >> 20) MiB of address space, and it needs \(room >> 20) MiB \(when)"
    }
}
