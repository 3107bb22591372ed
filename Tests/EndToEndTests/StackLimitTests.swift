import Foundation
import Testing

/// Under a small `ulimit -s` the readers of the `agentops` tool recurse as deep as a
/// stored value nests on a thread of their own (`PlainThread.runWithFullStack`): on the
/// main thread's 64 KiB, `agentops show` of an event nested 510 deep died of SIGSEGV
/// (round 7's hostile pass).
@Suite("Stack limits")
struct StackLimitTests {
    @Test("an event nested as deep as the tool takes is shown and exported under ulimit -s 64",
          arguments: ["show", "export", "stats"])
    func deepEventSmallStack(command: String) throws {
        let home = Harness.temporaryFolder()
        let deep = String(repeating: "[", count: 510) + String(repeating: "]", count: 510)
        let recorded = Harness.wrap(["--quiet", "--", Harness.agentops, "event", "tool", "--name", "deep",
                                     "--params", deep], home: home)
        try #require(recorded.code == 0, "\(recorded.err)")
        let result = Harness.run("/bin/sh", ["-c", "ulimit -s 64 && exec \"$0\" \(command) last", Harness.agentops],
                                 environment: Harness.environment(home: home))
        #expect(result.signal == nil && result.code == 0, "\(command): \(result.code) \(result.err)")
        #expect(!result.out.isEmpty)
    }
}
