import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// GitHub Actions mode as a workflow step meets it: the runner's variables set, its
/// summary and output files in a temporary folder.
@Suite("GitHub Actions mode")
struct GitHubActionsTests {
    /// The variables a runner sets, with its files under `folder`.
    static func runner(_ folder: String, _ home: String) -> [String: String] {
        var env = RecordingCommandsTests.withTools(home)
        env["GITHUB_ACTIONS"] = "true"
        env["GITHUB_STEP_SUMMARY"] = folder + "/summary.md"
        env["GITHUB_OUTPUT"] = folder + "/output"
        env["GITHUB_REPOSITORY"] = "octo/agent"
        env["GITHUB_REF"] = "refs/heads/main"
        env["GITHUB_SHA"] = "0123456789abcdef0123456789abcdef01234567"
        env["GITHUB_WORKFLOW"] = "agent"
        env["GITHUB_JOB"] = "run"
        env["GITHUB_SERVER_URL"] = "https://github.com"
        env["GITHUB_RUN_ID"] = "42"
        env["GITHUB_RUN_ATTEMPT"] = "1"
        return env
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// `key=value` lines of an output file (no heredoc values expected here but `reason`).
    static func outputs(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.popFirst(), !line.isEmpty {
            if let range = line.range(of: "<<") {
                let key = String(line[..<range.lowerBound]), mark = line[range.upperBound...]
                var value: [Substring] = []
                while let next = lines.popFirst(), next != mark { value.append(next) }
                values[key] = value.joined(separator: "\n")
            } else if let equals = line.firstIndex(of: "=") {
                values[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
        }
        return values
    }

    @Test("a failing session: summary with the model table and errors, outputs, an ::error annotation, CI host data")
    func failingSession() throws {
        let home = Harness.temporaryFolder()
        let folder = Harness.temporaryFolder()
        let script = """
        agentops event llm --model gpt-4o --prompt-tokens 1000 --completion-tokens 500
        agentops event llm --model gpt-4o --prompt-tokens 1000 --completion-tokens 0
        echo 'Traceback: it broke' >&2; echo 'ValueError: | pipe' >&2; exit 3
        """
        let result = Harness.wrap(["sh", "-c", script], home: home, extra: Self.runner(folder, home))
        #expect(result.code == 3)
        let session = try Harness.export(home: home)["session"]
        let id = try #require(session?["id"]?.stringValue)

        let summary = Self.read(folder + "/summary.md")
        #expect(summary.contains("### ❌ agentops-run: Fail"), "\(summary)")
        #expect(summary.contains("| Command | `sh -c"), "\(summary)")
        #expect(summary.contains("| Session | `\(id)` |"))
        #expect(summary.contains("| State | Fail: Command exited with code 3 |"))
        // gpt-4o: 1000 × 0.0000025 + 500 × 0.00001 = 0.0075, + 1000 × 0.0000025 = 0.01.
        #expect(summary.contains("| Cost | $0.010000 |"))
        #expect(summary.contains("| Events | LLMs: 2, Tools: 0, Actions: 0, Errors: 1 |"), "\(summary)")
        #expect(summary.contains("| `gpt-4o` | 2 | 2000 | 500 | $0.010000 |"), "\(summary)")
        #expect(summary.contains("Traceback: it broke\nValueError: | pipe\n"))

        let outputs = Self.outputs(Self.read(folder + "/output"))
        #expect(outputs["session-id"] == id)
        #expect(outputs["state"] == "Fail")
        #expect(outputs["cost"] == "0.01")
        #expect(outputs["reason"] == "Command exited with code 3")
        #expect(result.err.contains("\n::error title=agentops-run%3A session Fail::sh -c "), "\(result.err)")
        #expect(result.err.contains(": Command exited with code 3\n"))
        #expect(!result.err.contains("::warning"))

        let ci = session?["host_env"]?["CI"]
        #expect(ci?["Repository"]?.stringValue == "octo/agent")
        #expect(ci?["Ref"]?.stringValue == "refs/heads/main")
        #expect(ci?["SHA"]?.stringValue == "0123456789abcdef0123456789abcdef01234567")
        #expect(ci?["Workflow"]?.stringValue == "agent")
        #expect(ci?["Job"]?.stringValue == "run")
        #expect(ci?["Run URL"]?.stringValue == "https://github.com/octo/agent/actions/runs/42")
    }

    @Test("a timeout: a ::warning naming it, state Fail; two runs append to the same files")
    func timeoutWarning() throws {
        let home = Harness.temporaryFolder()
        let folder = Harness.temporaryFolder()
        let env = Self.runner(folder, home)
        let first = Harness.wrap(["--quiet", "true"], home: home, extra: env)
        #expect(first.code == 0)
        #expect(first.err.isEmpty, "a successful run annotates nothing: \(first.err)")
        let second = Harness.wrap(["--timeout", "200ms", "sleep", "5"], home: home, extra: env)
        #expect(second.code == 124)
        #expect(second.err.contains("::warning title=agentops-run%3A limit reached::the command was stopped at the "
            + "--timeout of 0.2s"), "\(second.err)")
        let summary = Self.read(folder + "/summary.md")
        #expect(summary.components(separatedBy: "agentops-run: ").count == 3, "\(summary)")
        #expect(summary.contains("### ✅ agentops-run: Success"))
        #expect(summary.contains("| Limit | the command was stopped at the --timeout of 0.2s |"))
        let output = Self.read(folder + "/output")
        #expect(output.components(separatedBy: "state=").count == 3)
        #expect(output.contains("state=Fail\ncost=0\nreason=Timed out after 0.2s: sent SIGTERM"), "\(output)")
    }

    @Test("--no-github turns it off; --github turns it on without GITHUB_ACTIONS; a nested run reports nothing")
    func switches() throws {
        let home = Harness.temporaryFolder()
        let folder = Harness.temporaryFolder()
        var env = Self.runner(folder, home)
        let off = Harness.wrap(["--no-github", "sh", "-c", "exit 1"], home: home, extra: env)
        #expect(off.code == 1)
        #expect(access(folder + "/summary.md", F_OK) != 0)
        #expect(access(folder + "/output", F_OK) != 0)
        #expect(!off.err.contains("::error"))

        env["GITHUB_ACTIONS"] = nil
        let nested = Harness.wrap(["--github", "sh", "-c", "agentops-run -- true"], home: home, extra: env)
        #expect(nested.code == 0)
        let output = Self.read(folder + "/output")
        #expect(output.components(separatedBy: "session-id=").count == 2, "one report, the owner's: \(output)")
    }

    @Test("workflow commands in the command's output pass through byte for byte")
    func workflowCommandsPassThrough() {
        let home = Harness.temporaryFolder()
        let folder = Harness.temporaryFolder()
        let out = "::group::step\n::set-output name=x::1\n::add-mask::s3cr3t\n::endgroup::"
        let err = "::error file=a.py,line=1::bad\r\n::warning::w"
        let result = Harness.wrap(["--quiet", "sh", "-c", "printf '%s' \"$O\"; printf '%s' \"$E\" >&2"], home: home,
                                  extra: Self.runner(folder, home).merging(["O": out, "E": err]) { $1 })
        #expect(result.code == 0)
        #expect(result.stdout == Array(out.utf8))
        #expect(result.stderr == Array(err.utf8))
    }

    /// A summary path that is a FIFO no one reads: the open waited for a reader for
    /// ever, after the command had ended, and SIGTERM only went on to the command's group
    /// (hostile pass, round 13). Now one warning, and the run ends with the command's
    /// status; a FIFO someone reads gets the summary.
    @Test("GITHUB_STEP_SUMMARY a FIFO: one warning when no one reads it, the summary when someone does")
    func summaryFIFO() throws {
        let home = Harness.temporaryFolder()
        let folder = Harness.temporaryFolder()
        let fifo = folder + "/summary.md"
        try #require(mkfifo(fifo, 0o600) == 0)
        let env = Self.runner(folder, home)
        let unread = Harness.wrap(["--quiet", "sh", "-c", "exit 5"], home: home, extra: env, timeout: 20)
        #expect(unread.code == 5, "\(unread.err)")
        #expect(unread.err.contains("agentops-run: warning: GitHub Actions: could not write GITHUB_STEP_SUMMARY: \(fifo): "),
                "\(unread.err)")
        #expect(Self.outputs(Self.read(folder + "/output"))["state"] == "Fail")
        // With a reader (this test, holding it open to read and write, so no open waits):
        // the summary arrives through it.
        let reader = open(fifo, O_RDWR | O_NONBLOCK)
        try #require(reader >= 0)
        defer { close(reader) }
        let read = Harness.wrap(["--quiet", "sh", "-c", "exit 0"], home: home, extra: env, timeout: 20)
        #expect(read.code == 0 && !read.err.contains("could not write"), "\(read.err)")
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let count = Glibc.read(reader, &buffer, buffer.count)
        let summary = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
        #expect(summary.contains("Success"), "\(summary)")
    }
}
