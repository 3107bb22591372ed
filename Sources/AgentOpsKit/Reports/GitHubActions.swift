import Foundation

/// What agentops-run tells GitHub Actions about the session it owns: a Markdown job
/// summary (appended to `$GITHUB_STEP_SUMMARY`), step outputs (`$GITHUB_OUTPUT`),
/// annotations (`::error`, `::warning` workflow commands on stderr), and the run's CI
/// metadata for the session's `host_env`.
///
/// Everything here but `append(_:to:)` is pure, so the formats are unit-tested; the
/// run only decides when to use it (`GITHUB_ACTIONS=true`, or `--github`).
public enum GitHubActions {
    /// Whether the mode is on: `--github` / `--no-github` when given, else whether
    /// the runner says it is GitHub Actions (`GITHUB_ACTIONS=true`).
    public static func isEnabled(option: Bool?, environment: [String: String]) -> Bool {
        option ?? (environment["GITHUB_ACTIONS"] == "true")
    }

    /// The workflow run's URL, from the variables every runner sets; nil outside one.
    public static func runURL(environment: [String: String]) -> String? {
        guard let repository = environment["GITHUB_REPOSITORY"], let run = environment["GITHUB_RUN_ID"],
              !repository.isEmpty, !run.isEmpty else { return nil }
        let server = environment["GITHUB_SERVER_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://github.com"
        let attempt = environment["GITHUB_RUN_ATTEMPT"].map { $0.isEmpty || $0 == "1" ? "" : "/attempts/\($0)" } ?? ""
        return "\(server)/\(repository)/actions/runs/\(run)\(attempt)"
    }

    /// The `host_env` section naming the workflow run the session belongs to; nil when
    /// no GitHub variable is set.
    public static func hostSection(environment: [String: String]) -> JSONValue? {
        let fields: [(String, String?)] = [
            ("Provider", "GitHub Actions"),
            ("Repository", environment["GITHUB_REPOSITORY"]),
            ("Ref", environment["GITHUB_REF"]),
            ("SHA", environment["GITHUB_SHA"]),
            ("Workflow", environment["GITHUB_WORKFLOW"]),
            ("Job", environment["GITHUB_JOB"]),
            ("Run URL", runURL(environment: environment)),
        ]
        let present = fields.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : (name, JSONValue.string($0)) } }
        return present.count > 1 ? .object(present) : nil
    }

    /// LLM calls of one model, for the summary's table.
    public struct ModelTotals: Sendable, Equatable {
        /// Calls.
        public var calls = 0
        /// Sum of `prompt_tokens`.
        public var promptTokens = 0
        /// Sum of `completion_tokens`.
        public var completionTokens = 0
        /// The cost the calls carried themselves.
        public var recordedCost: Decimal = 0
        /// The tokens of the calls without a cost, priced at the end.
        public var unpriced = LLMUsage()

        public init() {}

        /// The model's cost: recorded costs plus the other calls at `prices`.
        public func cost(of model: String, _ prices: PriceTable) -> Decimal {
            recordedCost + (prices.price(of: model).map { unpriced.cost(at: $0.price) } ?? 0)
        }
    }

    /// What the summary needs beyond `SessionSummary`, folded from the session log in
    /// one pass: calls by model, and the last lines of the errors.
    public struct Details: Sendable {
        /// LLM calls by model (`""` for calls naming none).
        public var models: [String: ModelTotals] = [:]
        /// The last `errorLineLimit` lines of the error events, oldest first.
        public var lastErrorLines: [String] = []
        /// How many error lines are kept.
        public var errorLineLimit = 10

        public init() {}

        /// Folds `record` in.
        public mutating func apply(_ record: StoreRecord) {
            guard case let .event(event) = record else { return }
            let json = event.json
            switch event.type {
            case .llms:
                var totals = models[json["model"]?.stringValue ?? "", default: ModelTotals()]
                totals.calls += 1
                totals.promptTokens += json["prompt_tokens"]?.intValue ?? 0
                totals.completionTokens += json["completion_tokens"]?.intValue ?? 0
                if let cost = Cost.parse(json["cost"]) {
                    totals.recordedCost += cost
                } else {
                    totals.unpriced.add(json)
                }
                models[json["model"]?.stringValue ?? "", default: ModelTotals()] = totals
            case .errors:
                let text = json["details"]?.stringValue ?? json["error_type"]?.stringValue ?? ""
                for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                    lastErrorLines.append(String(line))
                }
                if lastErrorLines.count > errorLineLimit {
                    lastErrorLines.removeFirst(lastErrorLines.count - errorLineLimit)
                }
            default:
                break
            }
        }

        /// The details of the log at `path`; empty when it cannot be read.
        public static func read(path: String) -> Details {
            var details = Details()
            _ = try? SessionLog.read(path: path) { details.apply($0) }
            return details
        }
    }

    /// The facts of one finished run that the summary, outputs and annotations report.
    public struct Report: Sendable {
        public var sessionID: SessionID
        public var commandLine: String
        public var state: EndState
        public var reason: String
        public var summary: SessionSummary
        public var cost: Decimal
        public var details: Details
        public var prices: PriceTable
        /// Limits agentops-run enforced (a timeout, `--max-cost`), as sentences.
        public var limits: [String]
        public var end: Timestamp

        public init(sessionID: SessionID, commandLine: String, state: EndState, reason: String,
                    summary: SessionSummary, cost: Decimal, details: Details, prices: PriceTable,
                    limits: [String], end: Timestamp) {
            self.sessionID = sessionID
            self.commandLine = commandLine
            self.state = state
            self.reason = reason
            self.summary = summary
            self.cost = cost
            self.details = details
            self.prices = prices
            self.limits = limits
            self.end = end
        }
    }

    /// The job summary: a Markdown section for `report`.
    public static func summaryMarkdown(_ report: Report) -> String {
        let mark = switch report.state {
        case .success: "✅"
        case .indeterminate: "⚠️"
        case .fail: "❌"
        }
        let summary = report.summary
        var lines = [
            "### \(mark) agentops-run: \(report.state.rawValue)",
            "",
            "| | |",
            "|---|---|",
            "| Command | \(cell(code: report.commandLine)) |",
            "| Session | `\(report.sessionID.value)` |",
            "| State | \(report.state.rawValue): \(cell(literal: report.reason)) |",
            "| Duration | \(DurationFormat.sdk(summary.duration(now: report.end))) |",
            "| Cost | $\(Cost.sdkFormat(report.cost)) |",
            "| Events | LLMs: \(summary.count(.llms)), Tools: \(summary.count(.tools)), "
                + "Actions: \(summary.count(.actions)), Errors: \(summary.count(.errors)) |",
        ]
        for limit in report.limits { lines.append("| Limit | \(cell(limit)) |") }
        if !report.details.models.isEmpty {
            lines += ["", "| Model | Calls | Prompt tokens | Completion tokens | Cost |", "|---|--:|--:|--:|--:|"]
            for (model, totals) in report.details.models.sorted(by: { $0.key < $1.key }) {
                let name = model.isEmpty ? "(no model)" : cell(code: model)
                let priced = totals.unpriced.calls == 0 || report.prices.price(of: model) != nil
                let cost = "$\(Cost.sdkFormat(totals.cost(of: model, report.prices)))" + (priced ? "" : " (unpriced)")
                lines.append("| \(name) | \(totals.calls) | \(totals.promptTokens) | \(totals.completionTokens) | \(cost) |")
            }
        }
        if !report.details.lastErrorLines.isEmpty {
            let text = report.details.lastErrorLines.joined(separator: "\n")
            let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: text) + 1))
            lines += ["", "<details><summary>Last error lines</summary>", "", fence + "text", text, fence, "",
                      "</details>"]
        }
        return lines.joined(separator: "\n") + "\n\n"
    }

    /// The step outputs: `session-id`, `state` and `cost` (exact USD), and `reason`.
    public static func outputs(_ report: Report) -> [(String, String)] {
        [
            ("session-id", report.sessionID.value),
            ("state", report.state.rawValue),
            ("cost", Cost.exactText(report.cost)),
            ("reason", report.reason),
        ]
    }

    /// `outputs` in the `$GITHUB_OUTPUT` file format: `key=value` lines, and the
    /// heredoc form (`key<<DELIMITER`) for a value with a line break, with a
    /// delimiter that is not in the value.
    public static func outputFile(_ outputs: [(String, String)], delimiter: () -> String = {
        "ghadelimiter_" + newEventID()
    }) -> String {
        var text = ""
        for (key, value) in outputs {
            if value.contains("\n") || value.contains("\r") {
                var mark = delimiter()
                while value.contains(mark) { mark = delimiter() }
                text += "\(key)<<\(mark)\n\(value)\n\(mark)\n"
            } else {
                text += "\(key)=\(value)\n"
            }
        }
        return text
    }

    /// The annotations for `report`, as workflow command lines: an `::error` when the
    /// session failed, a `::warning` for each limit agentops-run enforced.
    public static func annotations(_ report: Report) -> [String] {
        var lines: [String] = []
        if report.state == .fail {
            lines.append(command("error", title: "agentops-run: session Fail",
                                 message: "\(report.commandLine): \(report.reason)"))
        }
        for limit in report.limits {
            lines.append(command("warning", title: "agentops-run: limit reached", message: limit))
        }
        return lines
    }

    /// One workflow command line, with its property and message escaped as the
    /// Actions toolkit escapes them (so a `::` or a line break in a reason cannot
    /// start another command).
    public static func command(_ name: String, title: String, message: String) -> String {
        func escapeData(_ text: String) -> String {
            text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
                .replacingOccurrences(of: "\n", with: "%0A")
        }
        func escapeProperty(_ text: String) -> String {
            escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
        }
        return "::\(name) title=\(escapeProperty(title))::\(escapeData(message))"
    }

    /// Appends `text` to the file at `path` (the runner's summary or output file).
    ///
    /// - Returns: nil, or why it could not.
    public static func append(_ text: String, to path: String) -> String? {
        do {
            try Files.append(Array(text.utf8), to: path)
            return nil
        } catch {
            return "\(path): \(error)"
        }
    }

    /// A table cell's text: one line, pipes escaped.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "|", with: "\\|")
    }

    /// A table cell showing `text` as it is, on one line: what Markdown or HTML would
    /// read in it escaped (ASCII punctuation with a backslash, `&<>` as entities; an
    /// escaped `:` and `.` make no autolink). The reason is the agent's own (`agentops
    /// end --reason`, the SDK): its `![](https://…)`, `**…**` and `<a>` were the
    /// summary's (hostile pass, round 13).
    static func cell(literal text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\r", "\n", "\r\n": escaped += " "
            case "|": escaped += "\\|"
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\\", "`", "*", "_", "[", "]", "(", ")", "!", "~", "#", "{", "}", "+", "-", ".", ":":
                escaped += "\\" + String(character)
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A table cell showing `text` as code, with a fence longer than any run of
    /// backticks in it.
    private static func cell(code text: String) -> String {
        let fence = String(repeating: "`", count: longestRun(of: "`", in: text) + 1)
        let padded = text.hasPrefix("`") || text.hasSuffix("`") ? " \(text) " : text
        return fence + cell(padded) + fence
    }

    private static func longestRun(of character: Character, in text: String) -> Int {
        var longest = 0
        var current = 0
        for each in text {
            current = each == character ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }
}
