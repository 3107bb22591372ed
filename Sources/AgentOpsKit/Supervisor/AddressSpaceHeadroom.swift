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

    /// Why the command must not start, or nil when there is room (or no limit).
    static func shortfall(limit: UInt64? = ThisProcess.addressSpaceLimit,
                          inUse: () -> UInt64? = { ThisProcess.addressSpaceInUse }) -> String? {
        guard let limit, let used = inUse() else { return nil }
        let free = limit > used ? limit - used : 0
        guard free < needed else { return nil }
        return "ulimit -v leaves agentops-run \(free >> 20) MiB of address space, "
            + "and it needs \(needed >> 20) MiB once the command runs"
    }
}
