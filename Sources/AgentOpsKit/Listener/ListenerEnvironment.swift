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
///
/// For OpenTelemetry it also sets `AGENTOPS_EXPORTER_ENDPOINT` (the AgentOps SDK 0.4's
/// traces URL), `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` with
/// `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf` (any OTel SDK; Python's default
/// protocol is gRPC, which the listener does not speak), `TRACEPARENT` (the session as a
/// trace, for tools that join a trace from the environment) and, only if unset,
/// `AGENTOPS_LOGGING_TO_FILE=false` (the SDK would write `agentops.log` into the
/// command's working directory). Each one's earlier value is kept in
/// `AGENTOPS_RUN_UPSTREAM_<NAME>` (empty for none), so `upstream` can undo it. Where the
/// user configured an OTLP endpoint of their own, the `OTEL_*` variables are left alone.
public enum ListenerEnvironment {
    static let listener = "AGENTOPS_RUN_LISTENER"
    static let upstreamEndpoint = "AGENTOPS_RUN_UPSTREAM_ENDPOINT"
    static let listenerKey = "AGENTOPS_RUN_LISTENER_KEY"
    private static let upstreamPrefix = "AGENTOPS_RUN_UPSTREAM_"

    /// The variables the OpenTelemetry offer sets, with the value it gives each for the
    /// listener at `url` in `session`.
    private static func otelValues(url: String, session: SessionID?) -> [(String, String?)] {
        [
            ("AGENTOPS_EXPORTER_ENDPOINT", url + OTLPEndpoint.tracesPath),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url + OTLPEndpoint.tracesPath),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
            ("TRACEPARENT", session.map { SessionTrace($0).traceparent }),
            ("AGENTOPS_LOGGING_TO_FILE", "false"),
        ]
    }

    /// The OTLP endpoint the user configured themselves (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
    /// or `OTEL_EXPORTER_OTLP_ENDPOINT`), as `NAME=value` for a message (a long value cut,
    /// `SystemString.clipped`); a run leaves it alone.
    public static func userOTLPEndpoint(_ environment: [String: String]) -> String? {
        for name in ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            return "\(name)=\(SystemString.clipped(value))"
        }
        return nil
    }

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
        // What the OpenTelemetry offer set, where it still holds the offer's value.
        let session = environment["AGENTOPS_SESSION_ID"].flatMap(SessionID.init)
        for (name, offered) in otelValues(url: url, session: session) {
            guard let original = environment[upstreamPrefix + name] else { continue }
            if let offered, environment[name] == offered { result[name] = original.isEmpty ? nil : original }
            result[upstreamPrefix + name] = nil
        }
        for name in [listener, upstreamEndpoint, listenerKey] { result[name] = nil }
        return result
    }

    /// Whether `environment` already offers an outer run's listener for `session`.
    static func offersListener(for session: SessionID, in environment: [String: String]) -> Bool {
        guard let url = environment[listener] else { return false }
        return environment["AGENTOPS_API_ENDPOINT"] == url && environment["AGENTOPS_SESSION_ID"] == session.value
    }

    /// `upstreamEnvironment` (the real settings) with the listener at `url` offered for
    /// `session`, accepting `key`; `perRunKey` says the key is not the user's.
    static func offering(_ url: String, session: SessionID, key: String, perRunKey: Bool,
                         upstreamEnvironment: [String: String]) -> [String: String] {
        var result = upstreamEnvironment.copiedWithRoom(for: 16)
        result[upstreamEndpoint] = upstreamEnvironment["AGENTOPS_API_ENDPOINT"] ?? ""
        result["AGENTOPS_API_ENDPOINT"] = url
        result["AGENTOPS_API_KEY"] = key
        result[listener] = url
        result[listenerKey] = perRunKey ? key : nil
        let userOTLP = userOTLPEndpoint(upstreamEnvironment) != nil
        for case let (name, value?) in otelValues(url: url, session: session) {
            if userOTLP, name.hasPrefix("OTEL_") { continue }
            if name == "AGENTOPS_LOGGING_TO_FILE", upstreamEnvironment[name]?.isEmpty == false { continue }
            result[upstreamPrefix + name] = upstreamEnvironment[name] ?? ""
            result[name] = value
        }
        return result
    }
}
