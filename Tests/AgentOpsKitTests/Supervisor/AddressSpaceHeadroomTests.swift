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
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: nil, inUse: { 1 << 40 }) == nil)
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: 200 << 20, inUse: { 100 << 20 }) == nil)
        #expect(AddressSpaceHeadroom.shortfallAtStart(limit: 140 << 20, inUse: { 100 << 20 })
            == "ulimit -v leaves agentops-run 40 MiB of address space, and it needs 48 MiB to start the command")
    }
}
