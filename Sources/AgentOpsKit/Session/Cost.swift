import Foundation

/// Money in USD, summed exactly and printed as the SDK prints it.
public enum Cost {
    /// Parses a JSON cost (number text or string); nil when absent, not a number, or
    /// outside `LLMNumbers`' limits (negative, over $10^9, more than 38 digits).
    public static func parse(_ value: JSONValue?) -> Decimal? { LLMNumbers.storedCost(value) }

    /// `"0.00"` when zero, otherwise six decimals rounded half-up (`0.0012345678` →
    /// `0.001235`), exactly as the SDK's closing line.
    public static func sdkFormat(_ amount: Decimal) -> String {
        if amount == 0 { return "0.00" }
        var value = amount
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 6, .plain)
        let text = NSDecimalNumber(decimal: rounded).stringValue
        let parts = text.split(separator: ".", maxSplits: 1)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return String(parts[0]) + "." + fraction + String(repeating: "0", count: max(0, 6 - fraction.count))
    }

    /// The exact decimal text of `amount` (for JSON).
    public static func exactText(_ amount: Decimal) -> String { NSDecimalNumber(decimal: amount).stringValue }
}
