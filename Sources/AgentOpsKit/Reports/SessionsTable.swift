import Foundation

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

    /// How the table is laid out for its reader.
    public struct Layout: Sendable {
        /// Start times in UTC instead of local time (`TZ`).
        public var utc = false
        /// The width to fit into: the tags and command columns are cut with `…`.
        public var width: Int?
        /// Colour the state column.
        public var colour = false

        /// A layout; the default is local time, no width limit, no colour.
        public init(utc: Bool = false, width: Int? = nil, colour: Bool = false) {
            self.utc = utc
            self.width = width
            self.colour = colour
        }
    }

    /// The table: id, start, duration, state, cost, counts, tags, command; and
    /// whether each is uploaded, once any session has been given to the AgentOps API.
    ///
    /// - Parameters:
    ///   - states: the state to show per session (`Running`), instead of the stored one.
    public static func text(_ summaries: [SessionSummary], prices: PriceTable, uploaded: [SessionID: Bool] = [:],
                            states: [SessionID: String] = [:], layout: Layout = Layout(),
                            now: Timestamp = .now()) -> String {
        let showUpload = !uploaded.isEmpty
        var header = ["ID", layout.utc ? "STARTED (UTC)" : "STARTED", "DURATION", "STATE", "COST", "LLMS", "TOOLS",
                      "ACTIONS", "ERRORS"]
        if showUpload { header.append("UPLOADED") }
        header += ["TAGS", "COMMAND"]
        let stateColumn = 3
        let rows = summaries.map { summary -> [String] in
            let session = summary.session
            var row = [
                String(session.id.value.prefix(8)), LocalTime.text(session.initTimestamp, utc: layout.utc),
                DurationFormat.sdk(summary.duration(now: now)),
                states[session.id] ?? session.endState.rawValue,
                "$" + Cost.sdkFormat(summary.cost(prices)), String(summary.count(.llms)), String(summary.count(.tools)),
                String(summary.count(.actions)), String(summary.count(.errors)),
            ]
            if showUpload { row.append(uploaded[session.id].map { $0 ? "yes" : "no" } ?? "-") }
            // Cells are one line each, and recorded text never reaches the terminal raw.
            return row + [TerminalText.cell(session.tags.joined(separator: ",")),
                          truncated(TerminalText.cell(session.commandLine), to: 60)]
        }
        var all = [header] + rows
        var widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        if let width = layout.width {
            // Everything but the last two columns keeps its width; tags get up to a third
            // of what is left, the command the rest.
            let tags = header.count - 2, command = header.count - 1
            let fixed = widths[..<tags].reduce(0, +) + 2 * tags
            let left = width - fixed
            if left < widths[tags] + 2 + widths[command] {
                widths[tags] = min(widths[tags], max(4, left / 3))
                widths[command] = max(7, left - widths[tags] - 2)
                all = all.map { row in
                    var row = row
                    row[tags] = truncated(row[tags], to: widths[tags])
                    row[command] = truncated(row[command], to: widths[command])
                    return row
                }
            }
        }
        func paint(_ text: String, _ code: String) -> String {
            layout.colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
        }
        return all.enumerated().map { index, row in
            row.enumerated().map { column, cell in
                let padded = column == row.count - 1 ? cell
                    : cell + String(repeating: " ", count: max(0, widths[column] - cell.count))
                guard index > 0, column == stateColumn else { return padded }
                return paint(padded, TerminalOutput.code(forState: cell))
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// The line under the table: how many of the matching sessions are shown, and
    /// their total cost and failures (all of them, not only those shown).
    public static func footer(shown: Int, matching: [SessionRow], prices: PriceTable) -> String {
        let cost = matching.reduce(Decimal(0)) { total, row in
            let cost = row.cost(prices)
            return cost.isZero ? total : total + cost
        }
        return footer(shown: shown, matching: matching.count, cost: cost,
                      failed: matching.filter { $0.endState == .fail }.count)
    }

    /// The footer of `shown` sessions of `matching`, whose total cost and failures are
    /// `cost` and `failed` (`SessionListing.totals`).
    public static func footer(shown: Int, matching: Int, cost: Decimal, failed: Int) -> String {
        let count = shown < matching ? "\(shown) of \(matching) sessions (--limit 0: all)"
            : "\(matching) session\(matching == 1 ? "" : "s")"
        return "\(count) | Cost: $\(Cost.sdkFormat(cost)) | Failed: \(failed)"
    }

    static func truncated(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }

    private static func format3(_ seconds: Double) -> String {
        let millis = seconds.isFinite ? Int((min(max(seconds, -1e15), 1e15) * 1000).rounded()) : 0
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
