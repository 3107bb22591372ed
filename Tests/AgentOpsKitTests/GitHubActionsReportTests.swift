import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// The pure parts of GitHub Actions mode: the job summary, the output file, the
/// annotations and the CI metadata.
@Suite("GitHub Actions reports")
struct GitHubActionsReportTests {
    static func llm(_ model: String, prompt: Int, completion: Int, cost: JSONValue = .null) -> StoreRecord {
        let now = Timestamp(microseconds: 1_000_000)
        return .event(Event(type: .llms, initTimestamp: now, endTimestamp: now, sessionID: .random(), fields: [
            ("model", .string(model)), ("prompt_tokens", .int(prompt)), ("completion_tokens", .int(completion)),
            ("cost", cost),
        ]))
    }

    static func report(state: EndState = .fail, reason: String = "Command exited with code 2",
                       records: [StoreRecord] = [], limits: [String] = []) -> GitHubActions.Report {
        let id = SessionID("123e4567-e89b-42d3-a456-426614174000")!
        var summary = SessionSummary(session: Session(id: id, initTimestamp: Timestamp(microseconds: 0), tags: [],
                                                      hostEnv: .null, command: []))
        var details = GitHubActions.Details()
        details.errorLineLimit = 3
        for record in records {
            summary.apply(record)
            details.apply(record)
        }
        let prices = PriceTable()
        return GitHubActions.Report(sessionID: id, commandLine: "python3 agent.py | tee", state: state, reason: reason,
                                    summary: summary, cost: summary.cost(prices), details: details, prices: prices,
                                    limits: limits, end: Timestamp(microseconds: 1_500_000))
    }

    @Test("the summary: command, state and reason, duration, cost, counts, models, last error lines")
    func summary() {
        let now = Timestamp(microseconds: 1_000_000)
        let id = SessionID.random()
        let records: [StoreRecord] = [
            Self.llm("gpt-4o", prompt: 1000, completion: 500),
            Self.llm("gpt-4o", prompt: 10, completion: 0, cost: .number("0.5")),
            Self.llm("mystery", prompt: 1, completion: 1),
            .event(.stderr("one\ntwo", from: now, to: now, session: id)),
            .event(.stderr("three\n``` four", from: now, to: now, session: id)),
        ]
        let text = GitHubActions.summaryMarkdown(Self.report(records: records, limits: ["a | limit"]))
        #expect(text.hasPrefix("### ❌ agentops-run: Fail\n"))
        #expect(text.contains("| Command | `python3 agent.py \\| tee` |"))
        #expect(text.contains("| State | Fail: Command exited with code 2 |"))
        #expect(text.contains("| Duration | 1.5s |"))
        #expect(text.contains("| Cost | $0.507500 |"))
        #expect(text.contains("| Events | LLMs: 3, Tools: 0, Actions: 0, Errors: 2 |"))
        #expect(text.contains("| Limit | a \\| limit |"))
        #expect(text.contains("| `gpt-4o` | 2 | 1010 | 500 | $0.507500 |"))
        #expect(text.contains("| `mystery` | 1 | 1 | 1 | $0.00 (unpriced) |"))
        // The last three lines, in a fence longer than the backticks inside.
        #expect(text.contains("````text\ntwo\nthree\n``` four\n````"), "\(text)")
        #expect(!text.contains("\none\n"))
    }

    /// The reason is the agent's: its Markdown and HTML were the summary's (an image
    /// from anywhere, a link; hostile pass, round 13).
    @Test("the reason is shown as it is: Markdown and HTML in it escaped, one line")
    func reasonEscaped() {
        let reason = "Declared Fail: ![x](https://e.example/p.png) **bold** <a href=x>y</a> a|b\nnext & `c`"
        let text = GitHubActions.summaryMarkdown(Self.report(reason: reason))
        #expect(text.contains(#"| State | Fail: Declared Fail\: \!\[x\]\(https\://e\.example/p\.png\) \*\*bold\*\* "#
            + #"&lt;a href=x&gt;y&lt;/a&gt; a\|b next &amp; \`c\` |"#), "\(text)")
    }

    @Test("a session without LLM calls or errors has neither section")
    func plainSummary() {
        let text = GitHubActions.summaryMarkdown(Self.report(state: .success, reason: "Command exited with code 0"))
        #expect(text.hasPrefix("### ✅ agentops-run: Success\n"))
        #expect(!text.contains("| Model |"))
        #expect(!text.contains("<details>"))
    }

    @Test("outputs: key=value lines, the heredoc form for a value with a line break")
    func outputFile() {
        let outputs = GitHubActions.outputs(Self.report(reason: "Declared Fail: two\nlines"))
        #expect(outputs.map(\.0) == ["session-id", "state", "cost", "reason"])
        var marks = ["two", "EOF_1"].makeIterator()
        let text = GitHubActions.outputFile(outputs, delimiter: { marks.next()! })
        #expect(text == """
        session-id=123e4567-e89b-42d3-a456-426614174000
        state=Fail
        cost=0
        reason<<EOF_1
        Declared Fail: two
        lines
        EOF_1

        """)
    }

    @Test("annotations: ::error for Fail, ::warning per limit, escaped so they stay one command")
    func annotations() {
        let failed = GitHubActions.annotations(Self.report(reason: "50% done\n::error::injected", limits: ["cost"]))
        #expect(failed == [
            "::error title=agentops-run%3A session Fail::python3 agent.py | tee: 50%25 done%0A::error::injected",
            "::warning title=agentops-run%3A limit reached::cost",
        ])
        #expect(GitHubActions.annotations(Self.report(state: .indeterminate)).isEmpty)
        #expect(GitHubActions.command("notice", title: "a,b", message: "m") == "::notice title=a%2Cb::m")
    }

    @Test("on with GITHUB_ACTIONS=true unless an option says otherwise; the CI section and run URL")
    func enabledAndMetadata() {
        #expect(GitHubActions.isEnabled(option: nil, environment: ["GITHUB_ACTIONS": "true"]))
        #expect(!GitHubActions.isEnabled(option: nil, environment: ["GITHUB_ACTIONS": "false"]))
        #expect(!GitHubActions.isEnabled(option: false, environment: ["GITHUB_ACTIONS": "true"]))
        #expect(GitHubActions.isEnabled(option: true, environment: [:]))
        let env = ["GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "7", "GITHUB_RUN_ATTEMPT": "2",
                   "GITHUB_SERVER_URL": "https://ghe.example", "GITHUB_SHA": "abc"]
        #expect(GitHubActions.runURL(environment: env) == "https://ghe.example/o/r/actions/runs/7/attempts/2")
        #expect(GitHubActions.hostSection(environment: env) == .object([
            ("Provider", .string("GitHub Actions")), ("Repository", .string("o/r")), ("SHA", .string("abc")),
            ("Run URL", .string("https://ghe.example/o/r/actions/runs/7/attempts/2")),
        ]))
        #expect(GitHubActions.hostSection(environment: [:]) == nil)
    }

    @Test("--max-cost, --fail-on-declared, --github and --no-github parse; a bad cost is a usage error")
    func options() throws {
        let options = try RunOptions.parse(["--max-cost", "$0.50", "--fail-on-declared", "--no-github", "true"])
        #expect(options.maxCost == Decimal(string: "0.5"))
        #expect(options.failOnDeclared)
        #expect(options.github == false)
        #expect(try RunOptions.parse(["--github", "true"]).github == true)
        #expect(try RunOptions.parse(["true"]).github == nil)
        for bad in ["0", "-1", "cheap", "1e3", ""] {
            #expect(throws: UsageError.self) { try RunOptions.parse(["--max-cost", bad, "true"]) }
        }
    }

    @Test("a cost limit reads in the end reason and counts as a limit for the exit")
    func costLimitReason() {
        let limit = Decimal(5)
        let interventions: [Supervisor.Intervention] = [
            .costLimit(limit: limit, cost: Decimal(string: "7.5")!, signal: SIGTERM), .killed(after: 10),
        ]
        let (state, reason) = EndReason.of(exit: .signaled(SIGKILL, coreDumped: false), forwardedSignals: [],
                                           interventions: interventions)
        #expect(state == .fail)
        #expect(reason.hasPrefix("Cost $7.500000 passed the --max-cost limit of $5: sent SIGTERM, then SIGKILL after 10.0s"))
        #expect(EndReason.wrapperExit(exit: .signaled(SIGKILL, coreDumped: false), interventions: interventions)
            == .code(137))
        #expect(EndReason.wrapperExit(exit: .signaled(SIGTERM, coreDumped: false),
                                      interventions: [interventions[0]]) == .code(124))
        #expect(EndReason.limitsReached(interventions) == [
            "the command was stopped: the session's cost $7.500000 passed the --max-cost limit of $5",
        ])
    }
}
