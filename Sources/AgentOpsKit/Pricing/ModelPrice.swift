import Foundation

/// What one model costs, in USD per token, exact.
public struct ModelPrice: Sendable, Equatable {
    /// Per prompt (input) token.
    public var input: Decimal
    /// Per completion (output) token.
    public var output: Decimal
    /// Per prompt token read from the provider's cache, where the table knows it.
    public var cachedInput: Decimal?
    /// The provider LiteLLM files the model under (`openai`, `anthropic`, …).
    public var provider: String?

    public init(input: Decimal, output: Decimal, cachedInput: Decimal? = nil, provider: String? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.provider = provider
    }

    /// The cost of one call: prompt tokens at the input price (those read from the
    /// cache at the cached price, when known), completion tokens at the output price.
    public func cost(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0) -> Decimal {
        // Negative counts cost nothing: a price is never a credit.
        let promptTokens = max(promptTokens, 0), completionTokens = max(completionTokens, 0)
        let cached = min(max(cachedTokens, 0), promptTokens)
        let cachedPrice = cachedInput ?? input
        return Decimal(promptTokens - cached) * input + Decimal(cached) * cachedPrice
            + Decimal(completionTokens) * output
    }
}
