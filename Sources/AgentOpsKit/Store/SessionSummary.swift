import Foundation

/// A session folded from its file: the session row with every tag change and the end
/// applied, and the counts the stats line and the stats endpoint need.
///
/// Folding keeps counts, not events, so summarising a session of any size takes
/// constant memory.
public struct SessionSummary: Sendable, Equatable {
    /// The session as it stands now.
    public var session: Session
    /// Events per type.
    public var counts: [EventType: Int] = [:]
    /// Sum of `prompt_tokens` over LLM events (held at `Int.max`, as every sum here).
    public var promptTokens = 0
    /// Sum of `completion_tokens` over LLM events.
    public var completionTokens = 0
    /// Sum of the `cost` LLM events (and priced tools, `@tool(cost=)`) carried themselves, exact.
    public var recordedCost: Decimal = 0
    /// Tokens of the LLM events without a cost, by model, for the price table.
    public var usage: [String: LLMUsage] = [:]
    /// Tokens of every LLM event, by model (with or without a cost of its own), for
    /// the per-model views; `usage` alone is what the price table prices.
    public var modelTotals: [String: LLMUsage] = [:]
    /// The `cost` LLM events carried themselves, summed exactly by model.
    public var recordedCostByModel: [String: Decimal] = [:]
    /// How the session ended, when it did.
    public var end: StoreRecord.EndRecord?
    /// The worst end state declared from inside the session, if any (Fail over
    /// Indeterminate over Success; of equals, the later, with its reason). Several writers
    /// can declare (each OpenTelemetry trace, the SDK, `agentops end`), and one Success
    /// must not hide another's Fail.
    public var declared: StoreRecord.DeclaredEnd?
    /// The ids of the last LLM calls folded in, so a call recorded twice counts once
    /// (other events, such as output, are not tracked; see `RecentCallIDs` for the bound).
    var llmCallIDs = RecentCallIDs()
    /// Lines that were skipped while reading.
    public var problems: [SessionLog.Problem] = []

    /// This summary without the ids its fold has seen: what a reader that keeps a summary
    /// beside a fold that goes on holds (`AgentOpsExporter`). Kept whole, it would share the
    /// fold's set of LLM call ids, and the fold's next insert would copy the whole set.
    public var withoutFoldState: SessionSummary {
        var copy = self
        copy.llmCallIDs = RecentCallIDs(capacity: 1)
        return copy
    }

    /// All events.
    public var eventCount: Int { counts.values.reduce(0) { $0.addingSaturated($1) } }

    /// Count of one event type.
    public func count(_ type: EventType) -> Int { counts[type, default: 0] }

    /// Seconds from start to end, or to `now` when the session has not ended.
    public func duration(now: Timestamp = .now()) -> Double {
        session.initTimestamp.seconds(until: session.endTimestamp ?? now)
    }

    /// The session's cost: each LLM call's own `cost` where it has one, else its
    /// tokens at `prices`; calls of unknown models cost nothing.
    public func cost(_ prices: PriceTable) -> Decimal {
        usage.reduce(recordedCost) { total, entry in
            total + (prices.price(of: entry.key).map { entry.value.cost(at: $0.price) } ?? 0)
        }
    }

    /// One model's LLM calls: all its calls and tokens, and what they cost (their own
    /// costs plus the rest priced at the table).
    public struct ModelLine: Sendable, Equatable {
        /// The model name (`""` for calls that name none).
        public var model: String
        /// Calls and token sums over every call of the model.
        public var totals: LLMUsage
        /// The calls' cost; unpriced calls count nothing.
        public var cost: Decimal
        /// Calls without a cost of their own that the table could not price.
        public var unpricedCalls: Int
    }

    /// Every model's calls, tokens and cost at `prices`, by model name.
    public func models(_ prices: PriceTable) -> [ModelLine] {
        modelTotals.keys.sorted().map { model in
            var cost = recordedCostByModel[model, default: 0]
            var unpriced = 0
            if let uncosted = usage[model] {
                if let price = prices.price(of: model)?.price {
                    cost += uncosted.cost(at: price)
                } else {
                    unpriced = uncosted.calls
                }
            }
            return ModelLine(model: model, totals: modelTotals[model, default: LLMUsage()], cost: cost,
                             unpricedCalls: unpriced)
        }
    }

    /// Models of calls without a cost that `prices` does not know, with how many
    /// calls each (`""` for calls that name no model).
    public func unpricedModels(_ prices: PriceTable) -> [(model: String, calls: Int)] {
        usage.filter { prices.price(of: $0.key) == nil }.map { ($0.key, $0.value.calls) }.sorted { $0.model < $1.model }
    }

    /// Folds `record` in.
    ///
    /// - Returns: false for an LLM call already counted (recorded twice), which changes
    ///   nothing; true otherwise.
    @discardableResult
    public mutating func apply(_ record: StoreRecord) -> Bool {
        switch record {
        case .start:
            // A second start (a joiner that found no file and raced the owner) adds nothing.
            break
        case let .event(event):
            // One LLM call can reach the log twice from two processes (the LLM proxy
            // and the SDK's telemetry, under the same id): it counts once.
            if event.type == .llms, !llmCallIDs.insert(event.id) { return false }
            counts[event.type, default: 0] = counts[event.type, default: 0].addingSaturated(1)
            if event.type == .llms {
                // A file may hold anything: numbers are read tolerantly and summed
                // without overflow (see `LLMNumbers`).
                // The fields alone: the common ones (id, timestamps) are not read here, and
                // building the whole event's JSON cost the listener a string per timestamp.
                let json = JSONValue.object(event.fields)
                promptTokens = promptTokens.addingSaturated(LLMNumbers.storedTokens(json["prompt_tokens"]))
                completionTokens = completionTokens.addingSaturated(LLMNumbers.storedTokens(json["completion_tokens"]))
                let model = json["model"]?.stringValue ?? ""
                modelTotals[model, default: LLMUsage()].add(json)
                if let cost = Cost.parse(json["cost"]) {
                    recordedCost += cost
                    recordedCostByModel[model, default: 0] += cost
                } else {
                    usage[model, default: LLMUsage()].add(json)
                }
            } else if event.type == .tools, let cost = Cost.parse(event.fields.last(where: { $0.0 == "cost" })?.1) {
                recordedCost += cost
            }
        case let .tags(tags):
            session.tags = tags
        case let .tagsAdded(tags):
            session.tags = Tags.normalized(session.tags + tags)
        case let .declaredEnd(declared):
            if let earlier = self.declared, earlier.state > declared.state { break }
            self.declared = declared
        case let .end(end):
            self.end = end
            session.endTimestamp = end.timestamp
            session.endState = end.state
            session.endStateReason = end.reason
        }
        return true
    }

    /// Folds `record` into `summary`, which begins at the first start record (a file
    /// read from its beginning or a resumed reader alike).
    ///
    /// - Returns: what `apply` returned (true before the start record).
    @discardableResult
    public static func fold(_ record: StoreRecord, into summary: inout SessionSummary?) -> Bool {
        if summary == nil, case let .start(session) = record { summary = SessionSummary(session: session) }
        return summary?.apply(record) ?? true
    }
}
