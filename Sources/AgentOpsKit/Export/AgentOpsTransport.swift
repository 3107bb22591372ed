import Foundation

/// Which wire a session takes to the AgentOps cloud, from `AGENTOPS_RUN_EXPORT`: the
/// one place that decides it, asked by agentops-run (which exporter's cursor says the
/// session is uploaded) and by `agentops sync` (which exporter to build).
///
/// `v2`, the default, is the v2 REST upload the 0.3 SDK makes: it carries the session
/// row itself (tags, end state and reason, `host_env`), gets the session URL and the
/// server's `token_cost` for the closing line, and is what `--remote` reads back.
/// `otlp` sends the session as the 0.4 SDK does: `/v3/auth/token` for a JWT, then the
/// session as one OpenTelemetry trace to `AGENTOPS_EXPORTER_ENDPOINT`, which is what
/// today's AgentOps dashboard shows as traces; it has no server cost to print.
public enum AgentOpsTransport: String, Sendable, CaseIterable {
    case v2
    case otlp

    /// The variable that chooses.
    public static let variable = "AGENTOPS_RUN_EXPORT"
    /// Where the 0.4 SDK sends its spans when `AGENTOPS_EXPORTER_ENDPOINT` is unset.
    public static let defaultTracesEndpoint = "https://otlp.agentops.ai/v1/traces"
    /// The cursor name (`ID.agentops-otlp`) of the AgentOps cloud over OTLP: its own, so
    /// that an OTLP collector configured beside it keeps its own progress.
    public static let otlpExporter = "agentops-otlp"

    /// The transport `environment` chooses (unset or empty: `v2`).
    ///
    /// - Throws: `UsageError.invalidValue` for any other value.
    public init(environment: [String: String]) throws(UsageError) {
        let text = environment[Self.variable]?.trimmingSpaces().lowercased() ?? ""
        guard !text.isEmpty else {
            self = .v2
            return
        }
        guard let transport = AgentOpsTransport(rawValue: text) else {
            throw .invalidValue(option: Self.variable, value: text, expected: "v2 or otlp")
        }
        self = transport
    }

    /// The name of the exporter (and of its cursor files) that takes sessions this way.
    public var exporter: String { self == .v2 ? SyncState.exporter : Self.otlpExporter }

    /// Whether this transport has all of session `id` (`agentops sessions`' `uploaded`),
    /// or nil when the session was never handed to it. The OTLP cursor moves only once
    /// the whole trace, the root span with its end included, is acknowledged.
    public func isUploaded(_ id: SessionID, store: LocalStore, summary: SessionSummary) -> Bool? {
        guard ExportCursor.exists(id, store: store, exporter: exporter) else { return nil }
        if self == .v2 { return SyncState.isUploaded(id, store: store, summary: summary) }
        return ExportCursor.isAcknowledged(id, store: store, exporter: exporter)
            && ExportCursor.load(store: store, id: id, exporter: exporter).offset > 0
    }

    /// Where the spans go with `otlp`: `AGENTOPS_EXPORTER_ENDPOINT` exactly as given (as
    /// the SDK uses it: nothing is appended), else the SDK's default. Protobuf, not
    /// compressed, and none of the `OTEL_EXPORTER_OTLP_HEADERS`, which belong to the
    /// collector `OTEL_EXPORTER_OTLP_ENDPOINT` names (they often hold its API key).
    ///
    /// - Throws: `APIConfiguration.Problem.badExporterEndpoint` when it is not an http(s) URL.
    public static func tracesConfiguration(environment: [String: String]) throws(APIConfiguration.Problem)
        -> OTLPConfiguration {
        let given = environment["AGENTOPS_EXPORTER_ENDPOINT"]?.trimmingSpaces() ?? ""
        let endpoint = given.isEmpty ? defaultTracesEndpoint : given
        // Checked here, once, as APIConfiguration checks its endpoint, so no request
        // meets a URL that does not parse.
        guard let parsed = HTTPEndpoint(endpoint) else { throw .badExporterEndpoint(endpoint) }
        return OTLPConfiguration(endpoint: parsed)
    }
}
