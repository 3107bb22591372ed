import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// The exit status following the session: `--fail-on-declared`, and `--max-cost`
/// stopping the command as the timeout does.
@Suite("Exit status that follows the session")
struct SessionLimitTests {
    @Test("--fail-on-declared: a declared Fail or Indeterminate exits 1 although the command exited 0",
          arguments: [("Fail", Int32(1)), ("Indeterminate", 1), ("Success", 0)])
    func failOnDeclared(declared: String, code: Int32) throws {
        let home = Harness.temporaryFolder()
        let script = "agentops end \(declared) --reason checked; exit 0"
        let result = Harness.wrap(["--fail-on-declared", "sh", "-c", script], home: home,
                                  extra: RecordingCommandsTests.withTools(home))
        #expect(result.code == code, "\(result.err)")
        let session = try Harness.export(home: home)["session"]
        #expect(session?["end_state"]?.stringValue == declared)
        // Without the option the command's 0 stands, as before.
        let plain = Harness.wrap(["sh", "-c", script], home: home, extra: RecordingCommandsTests.withTools(home))
        #expect(plain.code == 0)
    }

    @Test("--fail-on-declared leaves a failing command's own status alone")
    func failingCommandKeepsItsStatus() {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["--fail-on-declared", "sh", "-c", "agentops end Fail; exit 7"], home: home,
                                  extra: RecordingCommandsTests.withTools(home))
        #expect(result.code == 7)
    }

    @Test("--max-cost stops the command once the session's cost passes it: 124, reason names the limit")
    func maxCost() throws {
        let home = Harness.temporaryFolder()
        // gpt-4o: $2.50 a call; the third passes $5.
        let loop = "while :; do agentops event llm --model gpt-4o --prompt-tokens 1000000 --completion-tokens 0; "
            + "sleep 0.1; done"
        let result = Harness.wrap(["--max-cost", "5", "sh", "-c", loop], home: home,
                                  extra: RecordingCommandsTests.withTools(home), timeout: 30)
        #expect(result.code == 124, "\(result.err)")
        #expect(result.seconds < 10)
        let export = try Harness.export(home: home)
        let calls = export.list("llms").count
        #expect(calls >= 3 && calls <= 8, "stopped soon after the third call: \(calls) calls")
        let reason = export["session"]?["end_state_reason"]?.stringValue ?? ""
        #expect(export["session"]?["end_state"]?.stringValue == "Fail")
        #expect(reason.hasPrefix("Cost $"), "\(reason)")
        #expect(reason.contains("passed the --max-cost limit of $5: sent SIGTERM"), "\(reason)")
    }

    @Test("--max-cost escalates to SIGKILL after --kill-after when the command ignores the signal: 137")
    func maxCostKill() throws {
        let home = Harness.temporaryFolder()
        let script = "trap '' TERM; agentops event llm --model gpt-4o --prompt-tokens 1000000 --completion-tokens 0; "
            + "while :; do sleep 0.1; done"
        let result = Harness.wrap(["--max-cost", "$1", "--kill-after", "300ms", "sh", "-c", script], home: home,
                                  extra: RecordingCommandsTests.withTools(home), timeout: 30)
        #expect(result.code == 137, "\(result.err)")
        let reason = try Harness.export(home: home)["session"]?["end_state_reason"]?.stringValue ?? ""
        #expect(reason.contains("passed the --max-cost limit of $1: sent SIGTERM, then SIGKILL after 0.3s"),
                "\(reason)")
    }

    @Test("a session under --max-cost runs to its end")
    func underTheLimit() {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["--max-cost", "0.50", "sh", "-c",
                                   "agentops event llm --model gpt-4o --prompt-tokens 1000 --completion-tokens 0"],
                                  home: home, extra: RecordingCommandsTests.withTools(home))
        #expect(result.code == 0, "\(result.err)")
    }
}
