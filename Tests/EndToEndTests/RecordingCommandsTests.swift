import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// `agentops event`, `tags` and `end` used by a shell child, as a shell agent would.
@Suite("Recording from any language")
struct RecordingCommandsTests {
    /// The environment for a wrapped shell child that finds `agentops` on its PATH.
    static func withTools(_ home: String) -> [String: String] {
        ["PATH": Harness.binFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    @Test("every event kind from a shell child lands in the export and the stats line")
    func everyKind() throws {
        let home = Harness.temporaryFolder()
        let script = """
        agentops event llm --model gpt-4o --prompt-tokens 100 --completion-tokens 20 --prompt 'say hi' \\
            --completion hello --cost 0.0012345678 &&
        agentops event tool --name search --params '{"q":"weather"}' --returns '["sunny"]' &&
        agentops event action --type plan --logs 'step 1' &&
        agentops event error --type Timeout --code 504 --details 'upstream slow'
        """
        let result = Harness.wrap(["sh", "-c", script], home: home, extra: Self.withTools(home))
        #expect(result.code == 0, "\(result.err)")
        #expect(result.err.hasSuffix("| Cost: $0.001235 | LLMs: 1 | Tools: 1 | Actions: 1 | Errors: 1\n"))
        let export = try Harness.export(home: home)
        let id = export["session"]?["id"]
        let llm = try #require(export.list("llms").first)
        #expect(llm["model"] == .string("gpt-4o") && llm["prompt_tokens"] == .int(100)
            && llm["completion_tokens"] == .int(20) && llm["cost"] == .number("0.0012345678")
            && llm["prompt"] == .string("say hi") && llm["completion"] == .string("hello") && llm["session_id"] == id)
        let tool = try #require(export.list("tools").first)
        #expect(tool["name"] == .string("search"))
        #expect(tool["params"] == .object([("q", .string("weather"))]) && tool["returns"] == .array([.string("sunny")]))
        let action = try #require(export.list("actions").first)
        #expect(action["action_type"] == .string("plan") && action["logs"] == .string("step 1"))
        let error = try #require(export.list("errors").first)
        #expect(error["error_type"] == .string("Timeout") && error["code"] == .string("504")
            && error["details"] == .string("upstream slow") && error["timestamp"] != .null)
        let stats = try JSONParser.parse(Harness.tool(["stats", "last"], home: home).stdout)
        #expect(stats["cost"] == .number("0.0012345678") && stats["prompt_tokens"] == .int(100)
            && stats["events"] == .int(4) && stats["errors"] == .int(1))
    }

    @Test("tags add and set from a child")
    func tags() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-t", "first", "sh", "-c", "agentops tags add second,third first"], home: home,
                         extra: Self.withTools(home))
        #expect(try Harness.export(home: home)["session"]?["tags"] == .array(["first", "second", "third"].map { .string($0) }))
        _ = Harness.wrap(["-t", "first", "sh", "-c", "agentops tags set only"], home: home, extra: Self.withTools(home))
        #expect(try Harness.export(home: home)["session"]?["tags"] == .array([.string("only")]))
    }

    @Test("a declared end combines with the exit: the worse state, both reasons", arguments: [
        ("Fail --reason 'answer rejected'", "exit 0", "Fail", "Declared Fail: answer rejected; Command exited with code 0"),
        ("success", "exit 3", "Fail", "Declared Success; Command exited with code 3"),
        ("Indeterminate", "exit 0", "Indeterminate", "Declared Indeterminate; Command exited with code 0"),
        ("Success", "exit 0", "Success", "Declared Success; Command exited with code 0"),
    ])
    func declaredEnd(declaration: String, exit: String, state: String, reason: String) throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["sh", "-c", "agentops end \(declaration); \(exit)"], home: home,
                                  extra: Self.withTools(home))
        #expect(result.err.contains("\(state): \(reason)"))
        let session = try Harness.export(home: home)["session"]
        #expect(session?["end_state"] == .string(state))
        #expect(session?["end_state_reason"] == .string(reason))
    }

    @Test("refused calls: a clear message, exit 1, and the session file unchanged", arguments: [
        ["event", "llm", "--model", "m", "--prompt-tokens", "-1", "--completion-tokens", "1"],
        ["event", "llm", "--model", "m", "--prompt-tokens", "1", "--completion-tokens", "x"],
        ["event", "llm", "--prompt-tokens", "1", "--completion-tokens", "1"],
        ["event", "llm", "--model", "m", "--prompt-tokens", "1", "--completion-tokens", "1", "--cost", "-2"],
        ["event", "llm", "--model", "m", "--prompt-tokens", "1", "--completion-tokens", "1", "--cost", "cheap"],
        ["event", "tool", "--name", "t", "--params", "{not json"],
        ["event", "tool", "--name", "t", "--returns", "[1,"],
        ["event", "action"],
        ["event", "action", "--type", "x", "--bogus", "1"],
        ["event", "telepathy", "--type", "x"],
        ["event"],
        ["tags", "add"],
        ["tags", "remove", "x"],
        ["end", "Failure"],
        ["end"],
        ["event", "action", "--type", "x", "--session-id", "not-a-uuid"],
        ["event", "action", "--type", "x", "--session-id", "123e4567-e89b-42d3-a456-426614174000"],
    ])
    func refused(arguments: [String]) throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "true"], home: home)
        let store = LocalStore(home: home)
        let id = try #require(try store.sessionIDs().first)
        let before = try Data(contentsOf: URL(fileURLWithPath: store.path(of: id)))
        var env = Harness.environment(home: home)
        env["AGENTOPS_SESSION_ID"] = id.value
        let result = Harness.run(Harness.agentops, arguments, environment: env)
        #expect(result.code == 1, "\(arguments): \(result.err)")
        #expect(result.err.hasPrefix("agentops: ") && result.err.split(separator: "\n").count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path(of: id))) == before)
    }

    @Test("outside a session: refused with a hint")
    func outsideSession() {
        let result = Harness.tool(["event", "action", "--type", "x"], home: Harness.temporaryFolder())
        #expect(result.code == 1)
        #expect(result.err.contains("not in a session"))
    }
}
