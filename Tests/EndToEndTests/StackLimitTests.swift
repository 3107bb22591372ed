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

    /// The runtime's first look-ups of Foundation's types recurse deeper than a main
    /// thread of 24 KiB: both binaries died of SIGSEGV before doing anything (hostile
    /// pass, round 10; the release build in two runs of three, where the stack's start
    /// fell). Now all of their work runs on a thread with a full stack, and the command
    /// still gets the limit it was given. Four runs: where the stack starts varies. (At
    /// 16 KiB the debug build can die before its first line runs.)
    @Test("under ulimit -s 24 both binaries run; the command keeps the limit")
    func tinyMainStack() throws {
        let home = Harness.temporaryFolder()
        let kibibytes = 24
        for _ in 0..<4 {
            let run = Harness.run("/bin/sh", ["-c", "ulimit -s \(kibibytes) && exec \"$0\" -q -- sh -c 'ulimit -s; echo ran'",
                                              Harness.agentopsRun], environment: Harness.environment(home: home))
            #expect(run.signal == nil && run.code == 0, "\(run.code ?? -1) \(run.signal ?? 0) \(run.err)")
            #expect(run.out == "\(kibibytes)\nran\n", "\(run.err)")
            let tool = Harness.run("/bin/sh", ["-c", "ulimit -s \(kibibytes) && exec \"$0\" sessions", Harness.agentops],
                                   environment: Harness.environment(home: home))
            #expect(tool.signal == nil && tool.code == 0, "\(tool.code ?? -1) \(tool.signal ?? 0) \(tool.err)")
            #expect(tool.out.contains("Success"), "\(tool.out)")
        }
    }
}
