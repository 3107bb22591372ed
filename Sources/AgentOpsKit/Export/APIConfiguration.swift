import Foundation

/// Where and as whom to talk to the AgentOps API, from the environment the SDK reads:
/// the one place the API key and endpoint are checked (agentops-run, `sync` and
/// `--remote` all ask here).
public struct APIConfiguration: Sendable, Equatable {
    /// `AGENTOPS_API_ENDPOINT` without a trailing slash on its path (default
    /// `https://api.agentops.ai`); paths go in with `EndpointURL.join`, before a query.
    public var endpoint: String
    /// `AGENTOPS_API_KEY`, a UUID.
    public var apiKey: String
    /// `AGENTOPS_PARENT_KEY`, a UUID, if set.
    public var parentKey: String?

    /// The default endpoint.
    public static let defaultEndpoint = "https://api.agentops.ai"

    /// Why the environment gives no usable configuration.
    public enum Problem: Error, CustomStringConvertible, Equatable {
        /// No `AGENTOPS_API_KEY`: local only, which is not an error.
        case noKey
        /// A key that is not a UUID (the SDK ignores it too, with a logged error).
        case malformedKey(variable: String)
        /// `AGENTOPS_API_ENDPOINT` is not an http(s) URL.
        case badEndpoint(String)
        /// `AGENTOPS_EXPORTER_ENDPOINT` (with `AGENTOPS_RUN_EXPORT=otlp`) is not an http(s) URL.
        case badExporterEndpoint(String)

        public var description: String {
            switch self {
            case .noKey: return "AGENTOPS_API_KEY is not set"
            case let .malformedKey(variable): return "\(variable) is not a UUID; recording locally only"
            case let .badEndpoint(value):
                return "AGENTOPS_API_ENDPOINT '\(value)' is not an http:// or https:// URL with a host (and a port from 1 to 65535); "
                    + "recording locally only"
            case let .badExporterEndpoint(value):
                return "AGENTOPS_EXPORTER_ENDPOINT '\(value)' is not an http:// or https:// URL; "
                    + "recording locally only"
            }
        }
    }

    /// The configuration in `environment`.
    ///
    /// - Throws: `Problem.noKey` without a key, `.malformedKey` for a key that is not
    ///   a UUID (never printing the key itself).
    public init(environment: [String: String]) throws(Problem) {
        guard let key = environment["AGENTOPS_API_KEY"], !key.isEmpty else { throw .noKey }
        guard SessionID(key) != nil else { throw .malformedKey(variable: "AGENTOPS_API_KEY") }
        var parent: String?
        if let value = environment["AGENTOPS_PARENT_KEY"], !value.isEmpty {
            guard SessionID(value) != nil else { throw .malformedKey(variable: "AGENTOPS_PARENT_KEY") }
            parent = value
        }
        let given = environment["AGENTOPS_API_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultEndpoint
        // A query stays after the paths appended (`EndpointURL`).
        let endpoint = EndpointURL.trimmed(given)
        // Checked here, once, so no request path can meet a URL that does not parse.
        guard EndpointURL.isHTTP(EndpointURL.join(endpoint, "/v2")) else { throw .badEndpoint(endpoint) }
        self.init(endpoint: endpoint, apiKey: key, parentKey: parent)
    }

    /// The configuration in `environment`, or nil after saying on `console` why there
    /// is none (`what` names what could not be done).
    public static func required(_ environment: [String: String], for what: String, console: Console) -> APIConfiguration? {
        do {
            return try APIConfiguration(environment: environment)
        } catch {
            console.error("cannot \(what): \(error)")
            return nil
        }
    }

    /// A configuration with the given values.
    public init(endpoint: String, apiKey: String, parentKey: String? = nil) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.parentKey = parentKey
    }
}
