/// `agentops show`: one session as a person reads it — a header, then the events in
/// the order they were recorded, with the time since the start, their stream or kind,
/// and their text. Events are rendered one at a time, so a session of any size streams.
public enum SessionView {
    /// The header: the session, its command, state (`Running` when `running`), start,
    /// duration and host; `totals` adds what needs the whole log. Recorded text is
    /// shown through `TerminalText` (control characters escaped).
    ///
    /// - Parameters:
    ///   - colour: colour the state (on a terminal).
    public static func header(_ summary: SessionSummary, running: Bool, colour: Bool,
                              utc: Bool = false, now: Timestamp = .now()) -> [String] {
        let session = summary.session
        var lines: [String] = []
        func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        let state = running ? SessionActivity.running : session.endState.rawValue
        lines.append("session   \(session.id)")
        lines.append("command   \(TerminalText.cell(session.commandLine))")
        lines.append("state     \(paint(state, TerminalOutput.code(forState: state)))"
            + (session.endStateReason.map { ": \(TerminalText.cell($0))" }
                ?? (session.endTimestamp == nil ? " (not ended)" : "")))
        let zone = utc ? "UTC" : LocalTime.zone(at: session.initTimestamp)
        lines.append("started   \(LocalTime.text(session.initTimestamp, utc: utc)) \(zone)")
        lines.append("duration  \(DurationFormat.sdk(summary.duration(now: now)))")
        let os = session.hostEnv["OS"]
        if let host = os?["Hostname"]?.stringValue {
            let system = [os?["OS"]?.stringValue, os?["OS Release"]?.stringValue].compactMap { $0 }.joined(separator: " ")
            lines.append(TerminalText.cell("host      \(host)" + (system.isEmpty ? "" : " (\(system))")))
        }
        if let video = session.video { lines.append("video     \(TerminalText.cell(video))") }
        return lines
    }

    /// What the whole log must be read for: cost (and the models the price table could
    /// not price), event counts, LLM calls per model, and the tags as they stand.
    public static func totals(_ summary: SessionSummary, prices: PriceTable) -> [String] {
        let session = summary.session
        var lines: [String] = []
        lines.append("cost      $\(Cost.sdkFormat(summary.cost(prices)))")
        // Calls the table could not price cost nothing; say which, so a $0.00 is not
        // mistaken for a free run.
        let unpriced = summary.unpricedModels(prices)
        if !unpriced.isEmpty {
            let list = unpriced.map { model, calls in
                "\(model.isEmpty ? "(no model)" : TerminalText.cell(model)) (\(calls) call\(calls == 1 ? "" : "s"))"
            }
            lines.append("unpriced  \(list.joined(separator: ", ")): not in the price table")
        }
        lines.append("events    LLMs: \(summary.count(.llms)) | Tools: \(summary.count(.tools)) | "
            + "Actions: \(summary.count(.actions)) | Errors: \(summary.count(.errors))")
        lines += models(summary, prices: prices)
        if !session.tags.isEmpty {
            lines.append("tags      \(TerminalText.cell(session.tags.joined(separator: ", ")))")
        }
        return lines
    }

    /// The LLM calls per model as a small table under the header: calls, prompt,
    /// completion and cached tokens, and cost (`unpriced` for calls the table does not
    /// know and that carried no cost).
    static func models(_ summary: SessionSummary, prices: PriceTable) -> [String] {
        let models = summary.models(prices)
        guard !models.isEmpty else { return [] }
        let header = ["MODEL", "CALLS", "PROMPT", "COMPLETION", "CACHED", "COST"]
        let rows = [header] + models.map { line -> [String] in
            let unpriced = line.unpricedCalls > 0 ? " (+\(line.unpricedCalls) unpriced)" : ""
            return [line.model.isEmpty ? "(no model)" : TerminalText.cell(line.model), String(line.totals.calls),
                    String(line.totals.promptTokens), String(line.totals.completionTokens),
                    String(line.totals.cachedTokens),
                    line.unpricedCalls == line.totals.calls ? "unpriced" : "$" + Cost.sdkFormat(line.cost) + unpriced]
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.enumerated().map { index, row in
            let cells = row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                // Names left, numbers right, the cost last as it is.
                return column == 0 ? cell + pad : column == row.count - 1 ? cell : pad + cell
            }
            return (index == 0 ? "llms      " : "          ") + cells.joined(separator: "  ")
        }
    }

    /// The width of the stream-or-kind column (`stdout`, `stderr`); longer action
    /// types run past it.
    static let labelWidth = 6

    /// One event as lines of the view: the time since `start`, its stream or kind, and
    /// its text (continuation lines indented under the text).
    ///
    /// - Parameters:
    ///   - colour: show errors in red.
    public static func render(_ event: Event, sessionStart start: Timestamp, prices: PriceTable,
                              colour: Bool) -> String {
        let (label, text) = describe(SessionExport.row(event, prices: prices), type: event.type)
        let cell = TerminalText.cell(label)
        let offset = "+" + DurationFormat.sdk(start.seconds(until: event.initTimestamp))
        let pad = String(repeating: " ", count: max(0, 9 - offset.count))
        let tag = cell + String(repeating: " ", count: max(0, labelWidth - cell.count))
        let indent = String(repeating: " ", count: 9 + 2 + labelWidth + 2)
        let body = TerminalText.lines(text).split(separator: "\n", omittingEmptySubsequences: false)
            .joined(separator: "\n" + indent)
        let line = "\(pad)\(offset)  \(tag)  \(body)"
        return colour && event.type == .errors ? "\u{1B}[31m\(line)\u{1B}[0m" : line
    }

    /// Which events `show` keeps: those of the given types and streams (either
    /// matches); everything when both are empty.
    public struct Filter: Sendable, Equatable {
        /// Event types to keep (`llms`, `tools`, `actions`, `errors`).
        public var types: Set<EventType> = []
        /// Output streams to keep (`stdout`: actions of type stdout; `stderr`: errors of
        /// type stderr).
        public var streams: Set<String> = []

        /// A filter; empty keeps everything.
        public init(types: Set<EventType> = [], streams: Set<String> = []) {
            self.types = types
            self.streams = streams
        }

        /// Whether `event` is shown.
        public func keeps(_ event: Event) -> Bool {
            if types.isEmpty, streams.isEmpty { return true }
            if types.contains(event.type) { return true }
            guard !streams.isEmpty else { return false }
            let json = event.json
            switch event.type {
            case .actions: return streams.contains("stdout") && json["action_type"]?.stringValue == "stdout"
            case .errors: return streams.contains("stderr") && json["error_type"]?.stringValue == "stderr"
            default: return false
            }
        }
    }

    /// A short label and the text of one export row.
    static func describe(_ row: JSONValue, type: EventType) -> (String, String) {
        func text(_ key: String) -> String? {
            guard let value = row[key], !value.isNull else { return nil }
            return value.stringValue ?? String(decoding: JSONWriter.compact(value), as: UTF8.self)
        }
        switch type {
        case .llms:
            // A call whose usage is not known (the proxy's, of a body it could not read)
            // has null counts: it showed as "0→0 tokens, $0", like a call of no tokens
            // (hostile pass, round 13).
            let unknown = LLMUsage.isUnknown(row)
            let tokens = unknown ? "usage unknown"
                : "\(text("prompt_tokens") ?? "0")→\(text("completion_tokens") ?? "0") tokens"
            // An amount as a decimal, however it was written (`0.1e10` was shown as typed,
            // beside totals in plain decimals: hostile pass, round 12).
            // One that is not an amount within the limits (negative, absurd) is none.
            let cost = Cost.parse(row["cost"]).map { ", $" + Cost.exactText($0) } ?? (unknown ? "" : ", unpriced")
            return ("llm", "\(text("model") ?? "?") (\(tokens)\(cost))"
                + (text("completion").map { "\n" + $0 } ?? ""))
        case .tools:
            return ("tool", ([text("name") ?? "?", text("params"), text("returns").map { "→ " + $0 }]
                .compactMap { $0 }).joined(separator: " "))
        case .errors:
            let kind = text("error_type") ?? "error"
            let label = kind == "stderr" ? "stderr" : "error"
            let head = kind == "stderr" ? "" : kind + (text("code").map { " \($0)" } ?? "") + ": "
            return (label, head + (text("details") ?? text("logs") ?? ""))
        case .actions, .apis:
            let kind = text("action_type") ?? "action"
            if kind == "stdout" { return ("stdout", text("logs") ?? "") }
            return (kind, [text("logs"), text("returns").map { "→ " + $0 }].compactMap { $0 }.joined(separator: " "))
        }
    }
}
