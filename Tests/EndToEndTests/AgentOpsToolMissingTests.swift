import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// agentops-run copied alone, without the `agentops` tool beside it or on PATH: the
/// upload and the LLM proxy, both the tool's work, say the same thing once each, and
/// the command runs as without them.
@Suite("Without the agentops tool")
struct AgentOpsToolMissingTests {
    @Test("the upload and the LLM proxy each say once that the tool was not found; the command is unaffected")
    func missingTool() throws {
        let folder = Harness.temporaryFolder()
        let alone = folder + "/agentops-run"
        try #require(link(Harness.agentopsRun, alone) == 0
            || Harness.copyExecutable(Harness.agentopsRun, to: alone))
        defer { unlink(alone) }
        let home = Harness.temporaryFolder()
        let env = Harness.environment(home: home, extra: [
            "PATH": "/usr/bin:/bin", "AGENTOPS_API_KEY": SyncTests.key, "AGENTOPS_API_ENDPOINT": "http://127.0.0.1:9",
        ])
        let result = Harness.run(alone, ["--llm-proxy", "--", "/bin/sh", "-c", "echo hi; exit 4"], environment: env)
        #expect(result.code == 4, "\(result.err)")
        #expect(result.out == "hi\n")
        let notFound = "the agentops tool was not found next to agentops-run or on PATH"
        let lines = result.err.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains(notFound) } == [
            "agentops-run: warning: LLM proxy: \(notFound); the command runs without it",
            "agentops-run: warning: AgentOps API: the upload could not start: \(notFound); the session is kept locally",
        ], "\(result.err)")
    }
}
