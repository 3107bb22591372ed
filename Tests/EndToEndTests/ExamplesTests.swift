import AgentOpsKit
import Foundation
import Testing

/// The examples run as the README says, and say what they claim.
@Suite("Examples")
struct ExamplesTests {
    static let folder = Harness.repositoryRoot + "/examples"

    @Test("the shell agent's LLM call, recorded without a cost, is priced from the table")
    func shellAgent() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["sh", Self.folder + "/shell_agent.sh", "--fail"], home: home,
                                  extra: RecordingCommandsTests.withTools(home), timeout: 30)
        #expect(result.code == 3)
        // gpt-4o-mini: 420 × $0.00000015 + 35 × $0.0000006.
        #expect(result.err.contains("| Cost: $0.000084 | LLMs: 1 | Tools: 1 |"), "\(result.err)")
        let llm = try #require(try Harness.export(home: home).list("llms").first)
        #expect(llm["cost"] == .number("0.000084"))
    }

    @Test("the GitHub Actions job caches the build, wraps the SDK agent with options agentops-run accepts, and keeps the export by id")
    func githubActions() throws {
        let text = try String(contentsOfFile: Self.folder + "/github-actions.yml", encoding: .utf8)
        let run = try #require(text.split(separator: "\n").first { $0.contains("run: agentops-run ") })
        // GitHub's ${{ … }} expressions become one word, as the runner substitutes them.
        let words = run.components(separatedBy: "run: agentops-run ")[1]
            .replacingOccurrences(of: #"\$\{\{[^}]*\}\}"#, with: "X", options: .regularExpression)
            .split(separator: " ").map { $0.replacingOccurrences(of: "\"", with: "") }
        let options = try RunOptions.parse(words)
        #expect(options.command == ["python3", "examples/sdk_agent.py"])
        #expect(options.timeout == 1800)
        #expect(options.maxCost == 5)
        #expect(options.failOnDeclared)
        // The session is kept by the id from the step's output, not as `last`.
        #expect(text.contains("id: agent\n"))
        #expect(text.contains(#"agentops export "${{ steps.agent.outputs.session-id }}" > agentops-session.json"#))
        #expect(!text.contains("export last"))
        #expect(text.contains("if: always() && steps.agent.outputs.session-id != ''"))
        #expect(text.contains("uses: actions/cache@v4\n        with:\n          path: .build\n"))
        #expect(text.contains("scripts/install"))
    }
}
