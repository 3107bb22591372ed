/// `agentops show`: one session as a person reads it — a header, then the events in
/// time order with their stream, time since the start, and text.
public enum SessionView {
    /// The view of the session in `document` (an export document). Recorded text is
    /// shown through `TerminalText` (control characters escaped, newlines kept in
    /// event text).
    ///
    /// - Parameters:
    ///   - colour: highlight errors and the state (on a terminal).
    public static func render(_ document: JSONValue, summary: SessionSummary, prices: PriceTable, colour: Bool,
                              now: Timestamp = .now()) -> String {
        let session = summary.session
        var lines: [String] = []
        func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        let stateColour = session.endState == .success ? "32" : session.endState == .fail ? "31" : "33"
        lines.append("session   \(session.id)")
        lines.append("command   \(TerminalText.cell(session.commandLine))")
        lines.append("state     \(paint(session.endState.rawValue, stateColour))"
            + (session.endStateReason.map { ": \(TerminalText.cell($0))" }
                ?? (session.endTimestamp == nil ? " (not ended)" : "")))
        lines.append("started   \(session.initTimestamp)")
        lines.append("duration  \(DurationFormat.sdk(summary.duration(now: now)))")
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
        if !session.tags.isEmpty {
            lines.append("tags      \(TerminalText.cell(session.tags.joined(separator: ", ")))")
        }
        let os = session.hostEnv["OS"]
        if let host = os?["Hostname"]?.stringValue {
            let system = [os?["OS"]?.stringValue, os?["OS Release"]?.stringValue].compactMap { $0 }.joined(separator: " ")
            lines.append(TerminalText.cell("host      \(host)" + (system.isEmpty ? "" : " (\(system))")))
        }
        if let video = session.video { lines.append("video     \(TerminalText.cell(video))") }
        lines.append("")

        var rows: [(Timestamp, Int, String, String, Bool)] = []
        for type in [EventType.actions, .llms, .tools, .errors] {
            for (index, row) in (document[type.rawValue]?.arrayValue ?? []).enumerated() {
                let start = (row["init_timestamp"]?.stringValue ?? row["timestamp"]?.stringValue)
                    .flatMap(Timestamp.init(iso8601:)) ?? session.initTimestamp
                let (label, text) = describe(row, type: type)
                rows.append((start, index, TerminalText.cell(label), TerminalText.lines(text), type == .errors))
            }
        }
        rows.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        let width = rows.map(\.2.count).max() ?? 0
        for (start, _, label, text, isError) in rows {
            let offset = "+" + DurationFormat.sdk(session.initTimestamp.seconds(until: start))
            let pad = String(repeating: " ", count: max(0, 9 - offset.count))
            let tag = label + String(repeating: " ", count: width - label.count)
            let indent = String(repeating: " ", count: 9 + 2 + width + 2)
            let body = text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + indent)
            let line = "\(pad)\(offset)  \(tag)  \(body)"
            lines.append(isError ? paint(line, "31") : line)
        }
        if rows.isEmpty { lines.append("(no events)") }
        return lines.joined(separator: "\n")
    }

    /// A short label and the text of one export row.
    static func describe(_ row: JSONValue, type: EventType) -> (String, String) {
        func text(_ key: String) -> String? {
            guard let value = row[key], !value.isNull else { return nil }
            return value.stringValue ?? String(decoding: JSONWriter.compact(value), as: UTF8.self)
        }
        switch type {
        case .llms:
            let tokens = "\(text("prompt_tokens") ?? "0")→\(text("completion_tokens") ?? "0") tokens"
            let cost = text("cost").map { ", $\($0)" } ?? ", unpriced"
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
