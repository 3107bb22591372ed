import Foundation

/// The tokens of the LLM calls of one model that carried no cost of their own: what
/// the price table prices. Pricing is linear in tokens, so summing tokens first and
/// pricing once is exact, and a session's summary stays as small as its model list.
public struct LLMUsage: Sendable, Equatable {
    /// Calls.
    public var calls = 0
    /// Sum of `prompt_tokens`.
    public var promptTokens = 0
    /// Sum of `completion_tokens`.
    public var completionTokens = 0
    /// Sum of `cached_tokens` (prompt tokens read from the provider's cache).
    public var cachedTokens = 0

    public init() {}

    /// Adds the tokens of the LLM event `json` (read as `LLMNumbers.storedTokens`;
    /// sums held at `Int.max`).
    public mutating func add(_ json: JSONValue) {
        calls = calls.addingSaturated(1)
        promptTokens = promptTokens.addingSaturated(LLMNumbers.storedTokens(json["prompt_tokens"]))
        completionTokens = completionTokens.addingSaturated(LLMNumbers.storedTokens(json["completion_tokens"]))
        cachedTokens = cachedTokens.addingSaturated(LLMNumbers.storedTokens(json["cached_tokens"]))
    }

    /// Whether the LLM event `json` says nothing of its usage (both counts null or
    /// absent): the proxy's record of a call whose body it could not read. Such a call
    /// has no price, where counted as no tokens it showed as $0.
    public static func isUnknown(_ json: JSONValue) -> Bool {
        (json["prompt_tokens"] ?? .null) == .null && (json["completion_tokens"] ?? .null) == .null
    }

    /// The cost of these calls at `price`.
    public func cost(at price: ModelPrice) -> Decimal {
        price.cost(promptTokens: promptTokens, completionTokens: completionTokens, cachedTokens: cachedTokens)
    }
}
