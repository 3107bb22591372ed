/// Builds the documents of the AgentOps data-export endpoints from a stored session.
public enum SessionExport {
    /// An event as a row of its export table. An LLM call without a cost of its own
    /// gets its tokens' price at `prices`, as the server fills in the column; an
    /// unknown model's is null (as is a stored cost outside `LLMNumbers`' limits, which
    /// only a hand-edited file holds), and so is a call's whose usage is not known (both
    /// counts null: the proxy's record of a body it could not read), which was priced as
    /// no tokens, $0.
    public static func row(_ event: Event, prices: PriceTable) -> JSONValue {
        let json = event.json
        var row = ExportTables.columns[ExportTables.table(for: event.type)]!.map { ($0, json[$0] ?? .null) }
        if event.type == .llms, Cost.parse(json["cost"]) == nil,
           let index = row.firstIndex(where: { $0.0 == "cost" }) {
            row[index].1 = .null
            if !LLMUsage.isUnknown(json), let price = prices.price(of: json["model"]?.stringValue ?? "")?.price {
                var usage = LLMUsage()
                usage.add(json)
                row[index].1 = .number(Cost.exactText(usage.cost(at: price)))
            }
        }
        return .object(row)
    }

    /// `GET /v2/sessions/<id>/export`: `{"session", "actions", "llms", "tools", "errors"}`,
    /// each event list in time order.
    ///
    /// - Throws: `StoreError` when the file cannot be read.
    public static func document(path: String, prices: PriceTable) throws -> (JSONValue, [SessionLog.Problem]) {
        var summary: SessionSummary?
        var tables: [EventType: [Event]] = [:]
        let problems = try SessionLog.read(path: path) { record in
            // A call recorded twice is one row, as the fold counts it.
            if SessionSummary.fold(record, into: &summary), case let .event(event) = record {
                tables[ExportTables.table(for: event.type), default: []].append(event)
            }
        }
        guard let summary else { throw StoreError.noStartRecord(path: path) }
        var document: [(String, JSONValue)] = [("session", summary.session.exportRow)]
        for type in [EventType.actions, .llms, .tools, .errors] {
            let events = (tables[type] ?? []).enumerated()
                .sorted { ($0.element.initTimestamp, $0.offset) < ($1.element.initTimestamp, $1.offset) }
            document.append((type.rawValue, .array(events.map { row($0.element, prices: prices) })))
        }
        return (.object(document), problems)
    }

    /// `GET /v2/sessions/<id>/stats`: `{"session_id","cost","events","prompt_tokens",
    /// "completion_tokens","errors"}`; `cost` is the exact sum as a number, or the
    /// string `"0.00"` when zero, as the server answers for a session without cost.
    ///
    /// - Parameter byModel: also `"models"`, one object per model: `model`, `calls`,
    ///   `prompt_tokens`, `completion_tokens`, `cached_tokens`, `cost` (exact; null when
    ///   none of its calls could be priced).
    public static func stats(_ summary: SessionSummary, prices: PriceTable, byModel: Bool = false) -> JSONValue {
        let cost = summary.cost(prices)
        var pairs: [(String, JSONValue)] = [
            ("session_id", .string(summary.session.id.value)),
            ("cost", cost == 0 ? .string("0.00") : .number(Cost.exactText(cost))),
            ("events", .int(summary.eventCount)),
            ("prompt_tokens", .int(summary.promptTokens)),
            ("completion_tokens", .int(summary.completionTokens)),
            ("errors", .int(summary.count(.errors))),
        ]
        if byModel {
            pairs.append(("models", .array(summary.models(prices).map { line in
                .object([
                    ("model", .string(line.model)),
                    ("calls", .int(line.totals.calls)),
                    ("prompt_tokens", .int(line.totals.promptTokens)),
                    ("completion_tokens", .int(line.totals.completionTokens)),
                    ("cached_tokens", .int(line.totals.cachedTokens)),
                    ("cost", line.unpricedCalls == line.totals.calls ? .null : .number(Cost.exactText(line.cost))),
                ])
            })))
        }
        return .object(pairs)
    }

    /// What the AgentOps SDK's `Session.get_analytics()` returns, for the local
    /// session: `{"LLM calls", "Tool calls", "Actions", "Errors", "Duration", "Cost"}`,
    /// the counts as numbers, the duration and cost as the SDK formats them
    /// (`"1m 2.3s"`, `"0.00"` or six decimals).
    public static func analytics(_ summary: SessionSummary, prices: PriceTable,
                                 now: Timestamp = .now()) -> JSONValue {
        .object([
            ("LLM calls", .int(summary.count(.llms))),
            ("Tool calls", .int(summary.count(.tools))),
            ("Actions", .int(summary.count(.actions))),
            ("Errors", .int(summary.count(.errors))),
            ("Duration", .string(DurationFormat.sdk(summary.duration(now: now)))),
            ("Cost", .string(Cost.sdkFormat(summary.cost(prices)))),
        ])
    }

    /// The export as JSON Lines, for big sessions: first `{"session": …}`, then one
    /// line per event (its export row with `event_type`), in the order they were
    /// recorded. Two streaming passes over the file; nothing is held but one line.
    ///
    /// - Throws: `StoreError` when the file cannot be read.
    public static func streamLines(path: String, prices: PriceTable,
                                   line: ([UInt8]) -> Void) throws -> [SessionLog.Problem] {
        let summary = try SessionLog.summary(path: path)
        line(JSONWriter.compact(.object([("session", summary.session.exportRow)])))
        var llmCalls = RecentCallIDs()  // a call recorded twice (proxy and telemetry) is one row
        try SessionLog.read(path: path) { record in
            guard case let .event(event) = record, event.type != .llms || llmCalls.insert(event.id),
                  case let .object(pairs) = row(event, prices: prices) else { return }
            line(JSONWriter.compact(.object([("event_type", .string(ExportTables.table(for: event.type).rawValue))] + pairs)))
        }
        return summary.problems
    }
}
