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
    /// (`EnvironmentLayout`), put in the command block grown by doubling. Measured: a
    /// 4.8 MB environment (48 variables of 100 kB) needed 20–40 MB more than none, and
    /// died in Swift's allocation trap between 130 and 170 MB (SIGABRT, a trace; round
    /// 13's hostile pass). 16 copies refused runs round 13's build ran (3 MB at 256 MiB,
    /// second hostile pass, round 14); 8, with the command block's own check, let none die.
    static let environmentCopies: UInt64 = 8

    /// What one copy of an entry costs beyond its bytes: a Swift string or array and
    /// malloc's header (84–126 bytes measured: 100,000 variables of 10 bytes died at
    /// 150 MB when only bytes were counted, second hostile pass, round 14).
    static let entryOverhead: UInt64 = 128

    /// One copy of an environment of `size`, in bytes; capped so that no product
    /// overflows whatever is asked.
    static func environmentCost(_ size: (bytes: UInt64, entries: UInt64)) -> UInt64 {
        min(size.bytes, 1 << 40) + min(size.entries, 1 << 32) * entryOverhead
    }

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
    static func shortfallForCommandBlock(environment: (bytes: UInt64, entries: UInt64) = ThisProcess.environmentSize,
                                         limit: UInt64? = ThisProcess.addressSpaceLimit,
                                         inUse: () -> UInt64? = { ThisProcess.addressSpaceInUse }) -> String? {
        shortfall(of: needed + roundedUp(environmentCost(environment) * 4), when: "to start the command",
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
    /// - Parameter environment: the size of the run's environment, which is copied
    ///   several times on the way (`environmentCopies`).
    static func shortfallAtStart(limit: UInt64? = ThisProcess.addressSpaceLimit,
                                 environment: (bytes: UInt64, entries: UInt64) = ThisProcess.environmentSize,
                                 inUse: () -> UInt64? = { ThisProcess.addressSpaceInUse }) -> String? {
        let copies = roundedUp(environmentCost(environment) * environmentCopies)
        return shortfall(of: needed + startUp + copies, when: "to start the command", limit: limit, inUse: inUse)
    }

    private static func shortfall(of room: UInt64, when: String, limit: UInt64?, inUse: () -> UInt64?) -> String? {
        guard let limit, let used = inUse() else { return nil }
        let free = limit > used ? limit - used : 0
        guard free < room else { return nil }
        return "ulimit -v leaves agentops-run \(free >> 20) MiB of address space, and it needs \(room >> 20) MiB \(when)"
    }
}
