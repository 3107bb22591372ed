import Foundation

/// Money in USD, summed exactly and printed as the SDK prints it.
public enum Cost {
    /// Parses a JSON cost (number text or string); nil when absent or not a number.
    public static func parse(_ value: JSONValue?) -> Decimal? {
        switch value {
        case let .number(text)?: return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        case let .string(text)?: return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        default: return nil
        }
    }

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
