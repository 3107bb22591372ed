
/// A recorded session as one OpenTelemetry trace (opentelemetry.md §7.2): the trace id
/// is the session UUID, the root span is the session, its events are child spans
/// (`OTLPSessionSpans`). Used by `agentops export --format otlp|otlp-json` and by the
/// OTLP exporter of `agentops sync`.
///
/// The log is read once, start to end (on a thread of its own, `LogReadAhead`, while
/// the records read are mapped), and the spans leave in batches of at most
/// `maxBatchSpans` spans and about `maxBatchBytes` bytes, each an
/// `ExportTraceServiceRequest` of its own, the root span in the last: memory stays
/// bounded whatever the session's size. The same log gives the same batches, so an
/// export that stopped half-way can skip the batches already acknowledged.
public struct OTLPTraceMapping: Sendable {
    /// Spans per request at most (the OTel SDKs' batch size).
    public static let maxBatchSpans = 512
    /// Bytes per request, about, at most (a single larger span still goes alone).
    public static let maxBatchBytes = 4 << 20

    /// `service.name`: `OTEL_SERVICE_NAME`, else `OTEL_RESOURCE_ATTRIBUTES`' own, else
    /// `agentops-run`.
    public var serviceName: String
    /// The other `OTEL_RESOURCE_ATTRIBUTES`.
    public var resourceAttributes: [OTLPKeyValue]
    /// Prices for LLM calls that carry no cost of their own.
    public var prices: PriceTable

    /// A mapping configured by `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
    public init(environment: [String: String], prices: PriceTable) {
        var attributes = OTLPKeyValueList.parse(environment["OTEL_RESOURCE_ATTRIBUTES"] ?? "")
        let own = attributes.last { $0.key == "service.name" }?.value
        attributes.removeAll { ["service.name", "telemetry.sdk.name", "telemetry.sdk.language",
                                "telemetry.sdk.version"].contains($0.key) }
        let named = environment["OTEL_SERVICE_NAME"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(serviceName: named ?? own ?? "agentops-run",
                  resourceAttributes: attributes.map { OTLPKeyValue($0.key, .string($0.value)) }, prices: prices)
    }

    /// A mapping with the given resource.
    public init(serviceName: String = "agentops-run", resourceAttributes: [OTLPKeyValue] = [],
                prices: PriceTable = PriceTable()) {
        self.serviceName = serviceName
        self.resourceAttributes = resourceAttributes
        self.prices = prices
    }

    /// The resource of `session`: the service, this SDK, the host it ran on.
    public func resource(of session: Session) -> OTLPResource {
        var attributes = [
            OTLPKeyValue("service.name", .string(serviceName)),
            OTLPKeyValue("telemetry.sdk.name", .string("agentops-run")),
            OTLPKeyValue("telemetry.sdk.language", .string("swift")),
            OTLPKeyValue("telemetry.sdk.version", .string(Version.current)),
        ]
        if let host = session.hostEnv["OS"]?["Hostname"]?.stringValue, !host.isEmpty,
           !resourceAttributes.contains(where: { $0.key == "host.name" }) {
            attributes.append(OTLPKeyValue("host.name", .string(host)))
        }
        return OTLPResource(attributes: attributes + resourceAttributes)
    }

    /// One request carrying `spans` of `session`, in one ResourceSpans and ScopeSpans.
    public func request(_ spans: [OTLPSpan], session: Session) -> OTLPTraceRequest {
        let scope = OTLPScope(name: "agentops-run", version: Version.current)
        return OTLPTraceRequest(resourceSpans: [
            OTLPResourceSpans(resource: resource(of: session), scopeSpans: [OTLPScopeSpans(scope: scope, spans: spans)]),
        ])
    }

    /// What one pass over a log gave.
    public struct Outcome: Sendable {
        /// The session as folded from the log (without its event counts).
        public var summary: SessionSummary
        /// Spans handed over, and in how many requests.
        public var spans = 0
        public var batches = 0
        /// Lines of the log that were skipped as unreadable.
        public var problems: [SessionLog.Problem] = []
    }

    /// Maps the session log at `path`, up to byte `end`, handing each batch to `send`
    /// with its index (0, 1, …; the last holds the root span).
    ///
    /// - Parameter closing: asked, when the log has no end, for the end the root span
    ///   gets (an abandoned session, `AbandonedSession`).
    /// - Throws: what `send` throws, or the log's read errors
    ///   (`StoreError.noStartRecord` for a log without a start).
    public func export(path: String, upTo end: Int = .max, closing: AbandonedSession.Closing? = nil,
                       send: (_ index: Int, _ request: OTLPTraceRequest) throws -> Void) throws -> Outcome {
        var summary: SessionSummary?
        var spans: OTLPSessionSpans?
        var sent = 0
        var index = 0
        func emit(_ batch: [OTLPSpan], of session: Session) throws {
            try send(index, request(batch, session: session))
            index += 1
            sent += batch.count
        }
        let (problems, _) = try LogReadAhead.read(path: path) { record, recordEnd in
            guard recordEnd <= end else { return }
            // Events are mapped, not counted: the root span needs only the session row,
            // its tags and its end (and folding an LLM event costs as much as mapping it).
            guard case let .event(event) = record else {
                SessionSummary.fold(record, into: &summary)
                return
            }
            guard let summary else { throw StoreError.noStartRecord(path: path) }
            if spans == nil { spans = OTLPSessionSpans(session: summary.session.id, prices: prices) }
            spans!.add(event)
            if spans!.isBatchFull { try emit(spans!.takePending(), of: summary.session) }
        }
        guard var summary else { throw StoreError.noStartRecord(path: path) }
        if summary.end == nil, let closing, let ending = closing(summary) { summary.apply(.end(ending)) }
        var last = spans?.takePending() ?? []
        last.append((spans ?? OTLPSessionSpans(session: summary.session.id, prices: prices)).root(summary))
        try emit(last, of: summary.session)
        return Outcome(summary: summary, spans: sent, batches: index, problems: problems)
    }
}
