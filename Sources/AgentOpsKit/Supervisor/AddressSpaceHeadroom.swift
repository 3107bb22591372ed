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

    /// Why the command must not start, or nil when there is room (or no limit).
    static func shortfall(limit: UInt64? = ThisProcess.addressSpaceLimit,
                          inUse: () -> UInt64? = { ThisProcess.addressSpaceInUse }) -> String? {
        shortfall(of: needed, when: "once the command runs", limit: limit, inUse: inUse)
    }

    /// Why the run must not begin, looked at first thing, before any thread or session:
    /// nil when there is room for what it maps until the launch and after (or no limit).
    ///
    /// Under a limit that leaves less, the run was refused at the launch, or died on the
    /// way there, of whichever allocation failed first (SIGABRT, SIGILL or SIGSEGV
    /// between 88.5 and 89.1 MB, release build, round 11): refused at once, nothing begun.
    static func shortfallAtStart(limit: UInt64? = ThisProcess.addressSpaceLimit,
                                 inUse: () -> UInt64? = { ThisProcess.addressSpaceInUse }) -> String? {
        shortfall(of: needed + startUp, when: "to start the command", limit: limit, inUse: inUse)
    }

    private static func shortfall(of room: UInt64, when: String, limit: UInt64?, inUse: () -> UInt64?) -> String? {
        guard let limit, let used = inUse() else { return nil }
        let free = limit > used ? limit - used : 0
        guard free < room else { return nil }
        return "ulimit -v leaves agentops-run \(free >> 20) MiB of address space, and it needs \(room >> 20) MiB \(when)"
    }
}
