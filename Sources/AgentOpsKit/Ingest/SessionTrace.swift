/// A session seen as an OpenTelemetry trace: its trace id is the session UUID's 16
/// bytes and its root span id the UUID's last 8 (the first 8 if those are zero), so the
/// mapping is reversible and a re-export gives the same ids.
public struct SessionTrace: Sendable, Equatable {
    /// The trace id: the session id without dashes.
    public let traceID: OTLPTraceID
    /// The session's root span.
    public let rootSpanID: OTLPSpanID

    /// The trace of `session`.
    public init(_ session: SessionID) {
        let trace = OTLPTraceID(hex: session.value.filter { $0 != "-" }) ?? .zero
        traceID = trace
        rootSpanID = OTLPSpanID(trace.low != 0 ? trace.low : trace.high)
    }

    /// The W3C `traceparent` that makes cooperative tools (otel-cli, SDKs reading the
    /// environment carrier, an agent's own `extract`) start their spans under the session:
    /// `00-<trace id>-<root span id>-01`.
    public var traceparent: String { "00-\(traceID.hex)-\(rootSpanID.hex)-01" }
}
