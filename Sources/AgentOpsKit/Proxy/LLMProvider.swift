/// An LLM API the proxy stands in front of: where its SDKs read their base URL and
/// where requests go when the user configured none.
public enum LLMProvider: String, Sendable, CaseIterable {
    case openai
    case anthropic

    /// The variable the provider's SDKs read their base URL from.
    public var baseURLVariable: String {
        switch self {
        case .openai: return "OPENAI_BASE_URL"
        case .anthropic: return "ANTHROPIC_BASE_URL"
        }
    }

    /// The base URL the SDKs use when the variable is unset. OpenAI's includes `/v1`
    /// (its SDK appends `/chat/completions`); Anthropic's does not (`/v1/messages`).
    public var defaultBaseURL: String {
        switch self {
        case .openai: return "https://api.openai.com/v1"
        case .anthropic: return "https://api.anthropic.com"
        }
    }

    /// The first path segment of the proxy's URL that stands for this provider:
    /// `http://127.0.0.1:PORT/openai/chat/completions` → OpenAI's `…/chat/completions`.
    public var pathPrefix: String { "/" + rawValue }

    /// The provider whose prefix starts `target`, and the rest of the target (path and
    /// query) to append to its upstream base URL.
    ///
    /// - Returns: nil for a target under no provider's prefix.
    public static func route(_ target: String) -> (provider: LLMProvider, rest: String)? {
        for provider in allCases where target.hasPrefix(provider.pathPrefix) {
            let rest = target.dropFirst(provider.pathPrefix.count)
            if rest.isEmpty || rest.first == "/" || rest.first == "?" { return (provider, String(rest)) }
        }
        return nil
    }
}
