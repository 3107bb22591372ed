/// What goes wrong in the LLM proxy.
enum ProxyError: Error, CustomStringConvertible {
    /// The proxy's own socket.
    case socket(String)
    /// Reaching or reading the upstream API.
    case upstream(String)
    /// The client's request.
    case request(String)
    /// The client closed its connection while the proxy waited for the API.
    case clientGone

    var description: String {
        switch self {
        case let .socket(text), let .upstream(text), let .request(text): return text
        case .clientGone: return "the client closed its connection before the API answered"
        }
    }
}
