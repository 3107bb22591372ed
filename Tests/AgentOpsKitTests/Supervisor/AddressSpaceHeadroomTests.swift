import Testing
@testable import AgentOpsKit

@Suite("Address space headroom")
struct AddressSpaceHeadroomTests {
    @Test("no limit or room to spare: the command starts; less than the room it needs: one reason, in MiB")
    func shortfall() {
        #expect(AddressSpaceHeadroom.shortfall(limit: nil, inUse: { 1 << 40 }) == nil)
        #expect(AddressSpaceHeadroom.shortfall(limit: 200 << 20, inUse: { nil }) == nil)
        #expect(AddressSpaceHeadroom.shortfall(limit: 200 << 20, inUse: { 100 << 20 }) == nil)
        #expect(AddressSpaceHeadroom.shortfall(limit: 120 << 20, inUse: { 100 << 20 })
            == "ulimit -v leaves agentops-run 20 MiB of address space, and it needs 32 MiB once the command runs")
        // Already past the limit (mapped before it was lowered): nothing left, no wrap-around.
        #expect(AddressSpaceHeadroom.shortfall(limit: 50 << 20, inUse: { 100 << 20 })?.hasPrefix(
            "ulimit -v leaves agentops-run 0 MiB") == true)
    }

    @Test("under a tight ulimit -v events and the tail are 64 KiB; above it, or without one, unchanged")
    func fitting() {
        let standard = CaptureLimits.standard
        #expect(standard.fitting(addressSpace: nil) == standard)
        #expect(standard.fitting(addressSpace: 4 << 30) == standard)
        let tight = standard.fitting(addressSpace: 200 << 20)
        #expect(tight.maxEventBytes == 64 << 10 && tight.maxTailBytes == 64 << 10 && tight.roomCheckBytes == 4096)
        #expect(tight.capturePerStream == standard.capturePerStream && tight.maxLineBytes == standard.maxLineBytes)
    }

    @Test("at the start, room is also needed for what the run maps until the launch")
    func shortfallAtStart() {
        let none: (bytes: UInt64, entries: UInt64) = (0, 0)
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: nil, environment: none, inUse: { 1 << 40 }) == nil)
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: 200 << 20, environment: none, inUse: { 100 << 20 }) == nil)
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: 140 << 20, environment: none, inUse: { 100 << 20 })
            == "ulimit -v leaves agentops-run 40 MiB of address space, and it needs 48 MiB to start the command")
    }

    /// A large environment is copied several times on the way to the launch: with 4.8 MB
    /// of it (or 100,000 small variables) the run died in Swift's allocation trap under
    /// limits the check let through (hostile passes, rounds 13 and 14).
    @Test("at the start, a large environment needs room for its copies, entries counted; no size traps")
    func shortfallAtStartWithEnvironment() {
        // 48 MiB, and 8 copies of 4.8 MB and 48 entries of 128 bytes, rounded up (37 MiB).
        let large: (bytes: UInt64, entries: UInt64) = (4_800_000, 48)
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: 200 << 20, environment: large, inUse: { 100 << 20 }) == nil)
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: 190 << 20, environment: large, inUse: { 105 << 20 }) == nil)
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: 180 << 20, environment: large, inUse: { 140 << 20 })
            == "ulimit -v leaves agentops-run 40 MiB of address space, and it needs 85 MiB to start the command")
        // 100,000 variables of 13 bytes: 8 × (1.3 MB + 12.8 MB) = 113 MB, 108 MiB.
        let many: (bytes: UInt64, entries: UInt64) = (1_300_000, 100_000)
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: 240 << 20, environment: many, inUse: { 100 << 20 })
            == "ulimit -v leaves agentops-run 140 MiB of address space, and it needs 156 MiB to start the command")
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: 180 << 20, environment: (.max, .max), inUse: { 100 << 20 })?
            .hasPrefix("ulimit -v leaves agentops-run 80 MiB") == true)
    }

    /// The command block is laid out after the start's check, as threads have taken
    /// their share: its own check counts the copies still to be made (a 1 MB environment
    /// died laying it out at 150 MB, round 14).
    @Test("before the command block: room for what runs after, and four copies of the environment")
    func shortfallForCommandBlock() {
        let large: (bytes: UInt64, entries: UInt64) = (4_800_000, 48)
        #expect(AddressSpaceHeadroom.shortfallForCommandBlock(environment: large, limit: nil, inUse: { 1 << 40 }) == nil)
        // 32 MiB, and four copies of 4.8 MB and 48 entries of 128 bytes, rounded up (19 MiB).
        #expect(AddressSpaceHeadroom.shortfallForCommandBlock(environment: large, limit: 200 << 20,
                                                              inUse: { 140 << 20 }) == nil)
        #expect(AddressSpaceHeadroom.shortfallForCommandBlock(environment: large, limit: 180 << 20,
                                                              inUse: { 140 << 20 })
            == "ulimit -v leaves agentops-run 40 MiB of address space, and it needs 51 MiB to start the command")
        #expect(AddressSpaceHeadroom.shortfallForCommandBlock(environment: (.max, .max), limit: 180 << 20,
                                                              inUse: { 140 << 20 }) != nil)
    }
}
