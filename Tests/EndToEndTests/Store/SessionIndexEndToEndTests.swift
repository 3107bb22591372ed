import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// `agentops sessions` over the session index: the same bytes whether it answers from
/// the index, rebuilds it, or folds a session that changed since.
@Suite("Session index: agentops sessions")
struct SessionIndexEndToEndTests {
    static func sessions(_ arguments: [String], home: String) throws -> String {
        var environment = Harness.environment(home: home, extra: ["TZ": "UTC", "COLUMNS": "200"])
        for key in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PAGER"] { environment.removeValue(forKey: key) }
        let result = Harness.run(Harness.agentops, ["sessions"] + arguments, environment: environment)
        try #require(result.code == 0, "\(result.err)")
        return result.out + result.err
    }

    @Test("output is identical with the index, without it, and after a session is appended to")
    func identical() throws {
        let home = Harness.temporaryFolder()
        let script = """
        echo out; echo err >&2
        agentops event llm --model gpt-4o --prompt-tokens 1000 --completion-tokens 500 --cost 0.0012345678
        agentops event llm --model gpt-4o-mini --prompt-tokens 10 --completion-tokens 10
        exit 3
        """
        let tools = RecordingCommandsTests.withTools(home)
        #expect(Harness.wrap(["-q", "-t", "one,two", "sh", "-c", script], home: home, extra: tools).code == 3)
        #expect(Harness.wrap(["-q", "-t", "two", "true"], home: home).code == 0)
        #expect(Harness.wrap(["-q", "sh", "-c", "agentops end Fail --reason no"], home: home,
                             extra: tools).code == 0)
        let index = SessionIndex(store: LocalStore(home: home)).path
        let views = [["-n", "0"], ["--json"], ["-t", "two"], ["--state", "fail"]]

        let folded = try views.map { try Self.sessions($0, home: home) }
        #expect(access(index, F_OK) == 0, "the first listing builds the index")
        let indexed = try views.map { try Self.sessions($0, home: home) }
        #expect(indexed == folded)
        #expect(folded[0].contains("3 sessions | Cost: $0.00") && folded[0].contains("| Failed: 2"),
                "\(folded[0])")
        #expect(unlink(index) == 0)
        #expect(try views.map { try Self.sessions($0, home: home) } == folded)

        // Appended to: a tag added and the table changes, from the index as from the logs.
        let newest = try #require(try LocalStore(home: home).summaries().first).session.id
        let tagged = Harness.run(Harness.agentops, ["tags", "add", "three", "--session-id", newest.value],
                                 environment: Harness.environment(home: home))
        #expect(tagged.code == 0, "\(tagged.err)")
        let appended = try views.map { try Self.sessions($0, home: home) }
        #expect(appended != folded && appended[0].contains("three"), "\(appended[0])")
        #expect(unlink(index) == 0)
        #expect(try views.map { try Self.sessions($0, home: home) } == appended)
    }
}
