/// The variables through which a run offers its listener to the command, and how
/// nested runs and the `agentops` tool see through them to the real API settings.
///
/// The command gets `AGENTOPS_API_ENDPOINT` pointing at the listener and an
/// `AGENTOPS_API_KEY` it accepts (the user's, or a per-run key), plus markers saying
/// so: `AGENTOPS_RUN_LISTENER` (the listener's URL), `AGENTOPS_RUN_UPSTREAM_ENDPOINT`
/// (the endpoint that was set before, empty for none) and, for a per-run key,
/// `AGENTOPS_RUN_LISTENER_KEY`. A nested run that joins the same session leaves them
/// alone (the outer listener already records into it); anything that talks to the
/// real API first undoes them with `upstream`.
public enum ListenerEnvironment {
    static let listener = "AGENTOPS_RUN_LISTENER"
    static let upstreamEndpoint = "AGENTOPS_RUN_UPSTREAM_ENDPOINT"
    static let listenerKey = "AGENTOPS_RUN_LISTENER_KEY"

    /// `environment` with an outer run's listener replaced by the settings it hid:
    /// the endpoint and key meant for the real AgentOps API (or none).
    public static func upstream(_ environment: [String: String]) -> [String: String] {
        guard let url = environment[listener] else { return environment }
        var result = environment
        if environment["AGENTOPS_API_ENDPOINT"] == url {
            let original = environment[upstreamEndpoint] ?? ""
            result["AGENTOPS_API_ENDPOINT"] = original.isEmpty ? nil : original
        }
        if let local = environment[listenerKey], environment["AGENTOPS_API_KEY"] == local {
            result["AGENTOPS_API_KEY"] = nil
        }
        for name in [listener, upstreamEndpoint, listenerKey] { result[name] = nil }
        return result
    }

    /// Whether `environment` already offers an outer run's listener for `session`.
    static func offersListener(for session: SessionID, in environment: [String: String]) -> Bool {
        guard let url = environment[listener] else { return false }
        return environment["AGENTOPS_API_ENDPOINT"] == url && environment["AGENTOPS_SESSION_ID"] == session.value
    }

    /// `upstreamEnvironment` (the real settings) with the listener at `url` offered,
    /// accepting `key`; `perRunKey` says the key is not the user's.
    static func offering(_ url: String, key: String, perRunKey: Bool,
                         upstreamEnvironment: [String: String]) -> [String: String] {
        var result = upstreamEnvironment
        result[upstreamEndpoint] = upstreamEnvironment["AGENTOPS_API_ENDPOINT"] ?? ""
        result["AGENTOPS_API_ENDPOINT"] = url
        result["AGENTOPS_API_KEY"] = key
        result[listener] = url
        result[listenerKey] = perRunKey ? key : nil
        return result
    }
}
