/// The token counts of one LLM call as the providers report them, field by field, so
/// that the pieces of a stream can be merged: Anthropic sends the prompt's counts in
/// `message_start` and the completion's in `message_delta`; OpenAI all of them in one
/// final chunk.
public struct LLMTokenUsage: Sendable, Equatable {
    /// OpenAI chat and completions, embeddings.
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// OpenAI responses (cache reads included) and Anthropic (cache reads excluded).
    public var inputTokens: Int?
    public var outputTokens: Int?
    /// Anthropic's prompt tokens read from and written to its cache.
    public var cacheReadInputTokens: Int?
    public var cacheCreationInputTokens: Int?
    /// OpenAI's `prompt_tokens_details.cached_tokens` / `input_tokens_details.cached_tokens`.
    public var cachedTokensDetail: Int?

    /// No counts.
    public init() {}

    /// The counts in a `usage` object; nil when it is not one (absent, null).
    public init?(_ json: JSONValue?) {
        guard let json, case .object = json else { return nil }
        promptTokens = Self.count(json["prompt_tokens"])
        completionTokens = Self.count(json["completion_tokens"])
        inputTokens = Self.count(json["input_tokens"])
        outputTokens = Self.count(json["output_tokens"])
        cacheReadInputTokens = Self.count(json["cache_read_input_tokens"])
        cacheCreationInputTokens = Self.count(json["cache_creation_input_tokens"])
        cachedTokensDetail = Self.count(json["prompt_tokens_details"]?["cached_tokens"])
            ?? Self.count(json["input_tokens_details"]?["cached_tokens"])
    }

    /// Whether any count is known.
    public var isKnown: Bool { prompt != nil || completion != nil }

    /// `self` with every count `later` knows taken from `later`.
    public func merged(with later: LLMTokenUsage) -> LLMTokenUsage {
        var result = self
        result.promptTokens = later.promptTokens ?? promptTokens
        result.completionTokens = later.completionTokens ?? completionTokens
        result.inputTokens = later.inputTokens ?? inputTokens
        result.outputTokens = later.outputTokens ?? outputTokens
        result.cacheReadInputTokens = later.cacheReadInputTokens ?? cacheReadInputTokens
        result.cacheCreationInputTokens = later.cacheCreationInputTokens ?? cacheCreationInputTokens
        result.cachedTokensDetail = later.cachedTokensDetail ?? cachedTokensDetail
        return result
    }

    /// All the prompt's tokens, those read from or written to a cache included
    /// (Anthropic counts those apart from `input_tokens`; OpenAI within). nil when the
    /// sum is over `LLMNumbers.maxTokens`, as each count is: three counts within it
    /// summed to 3×10^12, recorded, and read back as 0 by `stats` while `export` showed
    /// it (hostile pass, round 13).
    public var prompt: Int? {
        if let promptTokens { return promptTokens }
        guard let inputTokens else { return nil }
        let sum = inputTokens + (cacheReadInputTokens ?? 0) + (cacheCreationInputTokens ?? 0)
        return sum <= LLMNumbers.maxTokens ? sum : nil
    }

    /// The completion's tokens (0 for embeddings, which have none).
    public var completion: Int? {
        completionTokens ?? outputTokens ?? (prompt != nil ? 0 : nil)
    }

    /// The prompt's tokens read from the provider's cache.
    public var cached: Int? { cachedTokensDetail ?? cacheReadInputTokens }

    private static func count(_ value: JSONValue?) -> Int? {
        guard let count = value?.intValue, count >= 0, count <= LLMNumbers.maxTokens else { return nil }
        return count
    }
}
