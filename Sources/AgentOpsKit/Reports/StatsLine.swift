/// The closing line, in the SDK's exact format:
/// `Session Stats - Duration: 1.2s | Cost: $0.00 | LLMs: 0 | Tools: 0 | Actions: 3 | Errors: 1`.
public enum StatsLine {
    /// The line for `summary`.
    public static func format(_ summary: SessionSummary, now: Timestamp = .now()) -> String {
        "Session Stats - Duration: \(DurationFormat.sdk(summary.duration(now: now)))"
            + " | Cost: $\(Cost.sdkFormat(summary.cost))"
            + " | LLMs: \(summary.count(.llms)) | Tools: \(summary.count(.tools))"
            + " | Actions: \(summary.count(.actions)) | Errors: \(summary.count(.errors))"
    }
}
