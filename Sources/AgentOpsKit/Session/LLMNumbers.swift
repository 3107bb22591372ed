import Foundation

/// The numbers of an LLM event (token counts and cost): checked in this one place
/// where they enter (`agentops event llm` and the SDK listener), read back tolerantly
/// from session files, which anyone can edit.
///
/// Limits: a token count is a whole number from 0 to 10^12; a cost is an amount in USD
/// from 0 to 10^9 with at most 38 significant digits (what `Decimal` holds exactly).
/// Larger figures are typing mistakes or attacks, and would make sums overflow.
public enum LLMNumbers {
    /// The largest token count accepted for one call.
    public static let maxTokens = 1_000_000_000_000
    /// The largest cost accepted for one call, in USD.
    public static let maxCost: Decimal = 1_000_000_000
    /// The most significant digits a cost may have.
    public static let maxCostDigits = 38

    /// A number that is refused, with what was expected.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        /// The field (`prompt_tokens`, `cost`).
        public var field: String
        /// The value as given.
        public var value: String
        /// What would have been accepted.
        public var expected: String

        public var description: String { "invalid value '\(value)' for \(field): expected \(expected)" }
    }

    static let tokensExpected = "a whole number from 0 to \(maxTokens)"
    static let costExpected = "an amount in USD from 0 to 1000000000 with at most \(maxCostDigits) significant "
        + "digits, such as 0.0042"

    /// A token count given as text (a command-line value).
    ///
    /// - Throws: `Invalid` for anything but decimal digits from 0 to `maxTokens`.
    public static func tokens(_ text: String, field: String) throws(Invalid) -> Int {
        guard !text.isEmpty, text.utf8.count <= 13, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(text), value <= maxTokens else {
            throw Invalid(field: field, value: text, expected: tokensExpected)
        }
        return value
    }

    /// A cost given as text (a command-line value), returned as the exact text to store.
    ///
    /// - Throws: `Invalid` unless it is a JSON number within the limits.
    public static func cost(_ text: String, field: String) throws(Invalid) -> String {
        guard amount(text) != nil else { throw Invalid(field: field, value: text, expected: costExpected) }
        return text
    }

    /// Checks the numbers of an LLM event from the SDK: `prompt_tokens`,
    /// `completion_tokens` and `cached_tokens` null, absent or counts within the limit;
    /// `cost` null, absent, or an amount within the limits (a JSON number or its text).
    ///
    /// - Throws: `Invalid` naming the first field that is not.
    public static func check(event json: JSONValue) throws(Invalid) {
        for field in ["prompt_tokens", "completion_tokens", "cached_tokens"] {
            guard let value = json[field], !value.isNull else { continue }
            guard case let .number(text) = value else {
                throw Invalid(field: field, value: display(value), expected: tokensExpected)
            }
            _ = try tokens(text, field: field)
        }
        guard let cost = json["cost"], !cost.isNull else { return }
        switch cost {
        case let .number(text), let .string(text):
            _ = try self.cost(text, field: "cost")
        default:
            throw Invalid(field: "cost", value: display(cost), expected: costExpected)
        }
    }

    /// A token count read from a stored event: a whole number from 0 to `maxTokens`;
    /// anything else (absent, negative, fractional, `1e400`, a hand-edited
    /// 9223372036854775807) counts as 0, as the README says of absurd numbers.
    public static func storedTokens(_ value: JSONValue?) -> Int {
        guard let count = value?.intValue, count >= 0, count <= maxTokens else { return 0 }
        return count
    }

    /// A cost read from a stored event (JSON number or its text); nil when absent or
    /// not an amount within the limits (a negative or absurd figure is ignored, and the
    /// call priced from its tokens).
    public static func storedCost(_ value: JSONValue?) -> Decimal? {
        switch value {
        case let .number(text)?, let .string(text)?: return amount(text)
        default: return nil
        }
    }

    /// The amount of `text`, a JSON number within the cost limits; nil otherwise.
    /// Checked on the text, before `Decimal` sees it (which rounds what it cannot hold).
    static func amount(_ text: String) -> Decimal? {
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> [UInt8] {
            let from = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return Array(bytes[from..<index])
        }
        let whole = digits()
        guard !whole.isEmpty, whole.count == 1 || whole[0] != 0x30 else { return nil }
        var fraction: [UInt8] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fraction = digits()
            guard !fraction.isEmpty else { return nil }
        }
        var exponent = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                negative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let power = digits()
            // Six digits are far past any exponent an amount within the limits has.
            guard !power.isEmpty, power.count <= 6 else { return nil }
            exponent = power.reduce(0) { $0 * 10 + Int($1 - 0x30) } * (negative ? -1 : 1)
        }
        guard index == bytes.count else { return nil }
        // value = significant × 10^scale, with no leading or trailing zero in `significant`.
        var significant = ArraySlice(whole + fraction)
        var scale = exponent - fraction.count
        while significant.first == 0x30 { significant.removeFirst() }
        while significant.last == 0x30 {
            significant.removeLast()
            scale += 1
        }
        guard !significant.isEmpty else { return 0 }
        let highest = scale + significant.count - 1
        guard significant.count <= maxCostDigits, scale >= -100,
              highest < 9 || (highest == 9 && significant.count == 1 && significant.first == 0x31) else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }

    private static func display(_ value: JSONValue) -> String { String(decoding: JSONWriter.compact(value), as: UTF8.self) }
}

extension Int {
    /// `self + other`, held at `Int.max` / `Int.min` instead of trapping: sums of
    /// counts read from files.
    @inlinable
    public func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
