/// `agentops sessions`: a table for people, JSON for scripts.
public enum SessionsTable {
    /// One session as a JSON object for `--json`; `uploaded` is nil for a session never
    /// given to the AgentOps API.
    public static func json(_ summary: SessionSummary, prices: PriceTable, uploaded: Bool? = nil,
                            now: Timestamp = .now()) -> JSONValue {
        let session = summary.session
        return .object([
            ("id", .string(session.id.value)),
            ("init_timestamp", .string(session.initTimestamp.description)),
            ("end_timestamp", .optionalString(session.endTimestamp?.description)),
            ("duration_seconds", .number(String(format3(summary.duration(now: now))))),
            ("end_state", .string(session.endState.rawValue)),
            ("end_state_reason", .optionalString(session.endStateReason)),
            ("tags", .array(session.tags.map { .string($0) })),
            ("command", .array(session.command.map { .string($0) })),
            ("cost", .string(Cost.sdkFormat(summary.cost(prices)))),
            ("llms", .int(summary.count(.llms))),
            ("tools", .int(summary.count(.tools))),
            ("actions", .int(summary.count(.actions))),
            ("errors", .int(summary.count(.errors))),
            ("uploaded", uploaded.map { .bool($0) } ?? .null),
        ])
    }

    /// The table: id, start (UTC), duration, state, cost, counts, tags, command; and
    /// whether each is uploaded, once any session has been given to the AgentOps API.
    public static func text(_ summaries: [SessionSummary], prices: PriceTable, uploaded: [SessionID: Bool] = [:],
                            now: Timestamp = .now()) -> String {
        let showUpload = !uploaded.isEmpty
        var header = ["ID", "STARTED (UTC)", "DURATION", "STATE", "COST", "LLMS", "TOOLS", "ACTIONS", "ERRORS"]
        if showUpload { header.append("UPLOADED") }
        header += ["TAGS", "COMMAND"]
        let rows = summaries.map { summary -> [String] in
            let session = summary.session
            let started = String(session.initTimestamp.description.prefix(19).map { $0 == "T" ? " " : $0 })
            var row = [
                String(session.id.value.prefix(8)), started, DurationFormat.sdk(summary.duration(now: now)),
                session.endState.rawValue,
                "$" + Cost.sdkFormat(summary.cost(prices)), String(summary.count(.llms)), String(summary.count(.tools)),
                String(summary.count(.actions)), String(summary.count(.errors)),
            ]
            if showUpload { row.append(uploaded[session.id].map { $0 ? "yes" : "no" } ?? "-") }
            // Cells are one line each, and recorded text never reaches the terminal raw.
            return row + [TerminalText.cell(session.tags.joined(separator: ",")),
                          truncated(TerminalText.cell(session.commandLine), to: 60)]
        }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    private static func truncated(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    private static func format3(_ seconds: Double) -> String {
        let millis = seconds.isFinite ? Int((min(max(seconds, -1e15), 1e15) * 1000).rounded()) : 0
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
