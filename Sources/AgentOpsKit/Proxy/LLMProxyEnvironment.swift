/// The environment side of the LLM proxy: whether a run asked for it, where each
/// provider's requests really go, and the command's environment pointed at the proxy.
public enum LLMProxyEnvironment {
    /// Turns the proxy on for runs that do not pass `--llm-proxy` (CI): `1`, `true`, `yes`.
    public static let enableVariable = "AGENTOPS_RUN_LLM_PROXY"
    /// Set for the command to the session the proxy in its base URLs records into, so
    /// a nested run in the same session does not put a second proxy in front of it
    /// (each call would be recorded twice).
    public static let sessionVariable = "AGENTOPS_RUN_LLM_PROXY_SESSION"

    /// Whether the run records LLM calls through the proxy: the option, else the variable.
    public static func isRequested(option: Bool, environment: [String: String]) -> Bool {
        if option { return true }
        guard let value = environment[enableVariable]?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(value)
    }

    /// Whether an outer run's proxy already records `session`'s calls for this command.
    public static func isServedUpstream(session: SessionID, environment: [String: String]) -> Bool {
        environment[sessionVariable] == session.value
    }

    /// Where each provider's requests go: the base URL the user configured, else the
    /// provider's default. A trailing `/` is dropped (the proxy appends paths).
    public static func upstreams(_ environment: [String: String]) -> [LLMProvider: String] {
        var result: [LLMProvider: String] = [:]
        for provider in LLMProvider.allCases {
            var url = environment[provider.baseURLVariable].flatMap { $0.isEmpty ? nil : $0 } ?? provider.defaultBaseURL
            while url.hasSuffix("/") { url.removeLast() }
            result[provider] = url
        }
        return result
    }

    /// `environment` with every provider's base URL pointed at the proxy on `port`,
    /// and the session marker set.
    public static func rewrite(_ environment: [String: String], port: Int, session: SessionID) -> [String: String] {
        var result = environment
        for provider in LLMProvider.allCases {
            result[provider.baseURLVariable] = "http://127.0.0.1:\(port)\(provider.pathPrefix)"
        }
        result[sessionVariable] = session.value
        return result
    }
}
