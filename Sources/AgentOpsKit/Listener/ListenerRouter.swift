/// The listener's one handler: each path to the endpoint that serves it, the AgentOps
/// v2 calls of SDK 0.3 (`SDKEndpoint`) or OpenTelemetry and the AgentOps 0.4 calls
/// (`OTLPEndpoint`).
final class ListenerRouter: HTTPHandler, Sendable {
    let sdk: SDKEndpoint
    let otlp: OTLPEndpoint

    init(sdk: SDKEndpoint, otlp: OTLPEndpoint) {
        self.sdk = sdk
        self.otlp = otlp
    }

    private func handler(for path: String) -> HTTPHandler { OTLPEndpoint.serves(path) ? otlp : sdk }

    func screen(_ head: HTTPRequestHead) -> HTTPScreening { handler(for: head.path).screen(head) }

    func respond(_ head: HTTPRequestHead, body: ArraySlice<UInt8>) -> HTTPResponse {
        handler(for: head.path).respond(head, body: body)
    }

    /// The hint for the AgentOps SDK 0.4's known break, when this run showed its sign: the
    /// SDK authenticated, yet no span arrived.
    var sdkBreakHint: String? {
        guard otlp.sawAuthWithoutTraces else { return nil }
        return "the AgentOps SDK connected but sent no spans: agentops 0.4 cannot export with "
            + "opentelemetry-exporter-otlp-proto-http 1.45 or later; fix it with "
            + "pip install \"opentelemetry-exporter-otlp-proto-http<1.45\""
    }
}
