import Foundation

/// The report's per-model table: calls, tokens and cost of each model's LLM calls.
///
/// Calls that carried a cost count with it; the others are priced from the price
/// table as `SessionSummary.cost` prices them, so the table's total is the session's
/// cost.
public struct ModelUsageTable: Sendable {
    /// One model's line.
    public struct Row: Sendable, Equatable {
        /// The model name as recorded (`""` when the calls named none).
        public var model: String
        /// Calls.
        public var calls = 0
        /// Prompt tokens.
        public var promptTokens = 0
        /// Completion tokens.
        public var completionTokens = 0
        /// Prompt tokens read from the provider's cache.
        public var cachedTokens = 0
        /// The cost, in USD.
        public var cost: Decimal = 0
        /// Calls without a cost of their own that the price table does not know.
        public var unpricedCalls = 0
        /// This row's share of the total cost, 0...1 (0 when nothing cost anything).
        public var share = 0.0
    }

    private var recorded: [String: (calls: Int, prompt: Int, completion: Int, cached: Int, cost: Decimal)] = [:]
    private var usage: [String: LLMUsage] = [:]

    /// An empty table.
    public init() {}

    /// Adds the LLM event `json` (its wire fields).
    public mutating func add(_ json: JSONValue) {
        let model = json["model"]?.stringValue ?? ""
        if let cost = Cost.parse(json["cost"]) {
            var entry = recorded[model] ?? (0, 0, 0, 0, 0)
            entry.calls += 1
            entry.prompt += json["prompt_tokens"]?.intValue ?? 0
            entry.completion += json["completion_tokens"]?.intValue ?? 0
            entry.cached += json["cached_tokens"]?.intValue ?? 0
            entry.cost += cost
            recorded[model] = entry
        } else {
            usage[model, default: LLMUsage()].add(json)
        }
    }

    /// The rows priced at `prices`, costliest first (then by name).
    public func rows(prices: PriceTable) -> [Row] {
        var rows: [Row] = Set(recorded.keys).union(usage.keys).map { model in
            var row = Row(model: model)
            if let entry = recorded[model] {
                row.calls += entry.calls
                row.promptTokens += entry.prompt
                row.completionTokens += entry.completion
                row.cachedTokens += entry.cached
                row.cost += entry.cost
            }
            if let unpriced = usage[model] {
                row.calls += unpriced.calls
                row.promptTokens += unpriced.promptTokens
                row.completionTokens += unpriced.completionTokens
                row.cachedTokens += unpriced.cachedTokens
                if let price = prices.price(of: model)?.price {
                    row.cost += unpriced.cost(at: price)
                } else {
                    row.unpricedCalls = unpriced.calls
                }
            }
            return row
        }
        let total = rows.reduce(Decimal(0)) { $0 + $1.cost }
        if total > 0 {
            for index in rows.indices {
                rows[index].share = NSDecimalNumber(decimal: rows[index].cost / total).doubleValue
            }
        }
        return rows.sorted { ($0.cost, $1.model) > ($1.cost, $0.model) }
    }

    /// The cost of one LLM call: its own, else its tokens at `prices`; nil for an
    /// unknown model.
    public static func cost(of json: JSONValue, prices: PriceTable) -> Decimal? {
        if let cost = Cost.parse(json["cost"]) { return cost }
        // Usage not known (both counts null): no tokens to price, not a call of none.
        guard !LLMUsage.isUnknown(json),
              let price = prices.price(of: json["model"]?.stringValue ?? "")?.price else { return nil }
        var usage = LLMUsage()
        usage.add(json)
        return usage.cost(at: price)
    }
}
