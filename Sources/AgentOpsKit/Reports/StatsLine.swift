import Foundation

/// The closing line, in the SDK's exact format:
/// `Session Stats - Duration: 1.2s | Cost: $0.00 | LLMs: 0 | Tools: 0 | Actions: 3 | Errors: 1`.
public enum StatsLine {
    /// The line for `summary`, which cost `cost`. With the API, `cost` is the
    /// server's `token_cost` and `localCost` the local figure, shown beside it when the
    /// two differ as printed (`Cost: $0.004200 (local $0.004150)`).
    public static func format(_ summary: SessionSummary, cost: Decimal, localCost: Decimal? = nil,
                              now: Timestamp = .now()) -> String {
        let local = localCost.map { Cost.sdkFormat($0) }.flatMap { $0 == Cost.sdkFormat(cost) ? nil : " (local $\($0))" }
        return "Session Stats - Duration: \(DurationFormat.sdk(summary.duration(now: now)))"
            + " | Cost: $\(Cost.sdkFormat(cost))\(local ?? "")"
            + " | LLMs: \(summary.count(.llms)) | Tools: \(summary.count(.tools))"
            + " | Actions: \(summary.count(.actions)) | Errors: \(summary.count(.errors))"
    }
}
