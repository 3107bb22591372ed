import Testing
@testable import AgentOpsKit

/// The OTLP endpoint's answers, without a socket: content types, encodings, limits.
@Suite("The OTLP endpoint")
struct OTLPEndpointTests {
    static let session = SessionID("6f9619ff-8b86-4d01-b42d-00c04fc964ff")!

    static func endpoint(maxInflated: Int = 1 << 20) throws -> OTLPEndpoint {
        let recorder = Recorder(sessionID: session, sink: nil, redactor: try Redactor(environment: [:]), warn: { _ in })
        return OTLPEndpoint(sessionID: session, recorder: recorder, maxInflatedBytes: maxInflated)
    }

    static func head(_ path: String = "/v1/traces", type: String = "application/x-protobuf",
                     encoding: String? = nil) -> HTTPRequestHead {
        var headers = [("content-type", type)]
        if let encoding { headers.append(("content-encoding", encoding)) }
        return HTTPRequestHead(method: "POST", target: path, version: "HTTP/1.1", headers: headers, contentLength: 0)
    }

    static let request = OTLPTraceRequest(resourceSpans: [OTLPResourceSpans(scopeSpans: [OTLPScopeSpans(spans: [
        OTLPSpan(traceID: OTLPTraceID(high: 1, low: 2), spanID: OTLPSpanID(3), name: "t.tool",
                 attributes: [OTLPKeyValue("agentops.span.kind", .string("tool"))]),
    ])])])

    @Test("a body inflating past the cap is 413; gzip and deflate within it are folded")
    func inflateLimit() throws {
        let bomb = Deflate.gzip([UInt8](repeating: 0, count: 2 << 20))
        let endpoint = try Self.endpoint()
        #expect(endpoint.respond(Self.head(encoding: "gzip"), body: bomb[...]).status == 413)
        #expect(endpoint.respond(Self.head(encoding: "gzip"), body: Deflate.gzip(Self.request.protobuf)[...]).status == 200)
        #expect(endpoint.respond(Self.head(encoding: "deflate"), body: Deflate.zlib(Self.request.protobuf)[...]).status == 200)
        #expect(ContentDecoding.decode([1, 2, 3], encoding: nil, limit: 2).failure?.status == 413)
    }

    @Test("answers in the content type it was sent; other types are 415; GET is 405")
    func contentTypes() throws {
        let endpoint = try Self.endpoint()
        let proto = endpoint.respond(Self.head(), body: Self.request.protobuf[...])
        #expect(proto.status == 200 && proto.raw?.contentType == "application/x-protobuf" && proto.raw?.bytes == [])
        let json = endpoint.respond(Self.head(type: "application/json; charset=utf-8"), body: Self.request.json[...])
        #expect(json.status == 200 && json.raw?.contentType == "application/json" && json.raw?.bytes == Array("{}".utf8))
        #expect(endpoint.respond(Self.head(type: "text/plain"), body: [][...]).status == 415)
        let get = HTTPRequestHead(method: "GET", target: "/v1/traces", version: "HTTP/1.1", headers: [], contentLength: 0)
        guard case let .answer(refused) = endpoint.screen(get) else { Issue.record("GET was read"); return }
        #expect(refused.status == 405)
        guard case .read(_, trusted: false) = endpoint.screen(Self.head()) else {
            Issue.record("an OTLP body must be read with no key or token")
            return
        }
    }

    /// A span said 9223372036854775807 prompt tokens and was recorded: the session cost
    /// $23 trillion (hostile pass, round 12). The limits of `agentops event` and the v2
    /// listener hold here too: such an LLM span is refused in `partial_success`, the
    /// others of its batch are recorded.
    @Test("an LLM or tool span with a token count over 10^12 or no whole number, or a cost outside 0-10^9 USD or no number, is refused in partial_success")
    func tokenLimits() throws {
        func llm(_ span: UInt64, _ attributes: [OTLPKeyValue]) -> OTLPSpan {
            OTLPSpan(traceID: OTLPTraceID(high: 1, low: 2), spanID: OTLPSpanID(span), name: "chat",
                     attributes: [OTLPKeyValue("gen_ai.request.model", .string("gpt-4o"))] + attributes)
        }
        let request = OTLPTraceRequest(resourceSpans: [OTLPResourceSpans(scopeSpans: [OTLPScopeSpans(spans: [
            llm(10, [OTLPKeyValue("gen_ai.usage.prompt_tokens", .int(9_223_372_036_854_775_807))]),
            llm(11, [OTLPKeyValue("gen_ai.usage.output_tokens", .int(1_000_000_000_001))]),
            llm(12, [OTLPKeyValue("gen_ai.usage.total_cost", .double(2e9))]),
            llm(13, [OTLPKeyValue("gen_ai.usage.prompt_tokens", .int(1_000_000_000_000))]),
            // Too big for 64 bits: taken as no count at all (second hostile pass).
            llm(14, [OTLPKeyValue("gen_ai.usage.input_tokens", .string("99999999999999999999"))]),
            llm(15, [OTLPKeyValue("llm.token_count.completion", .double(1e20))]),
            llm(16, [OTLPKeyValue("gen_ai.usage.total_cost", .string("1e400"))]),
            OTLPSpan(traceID: OTLPTraceID(high: 1, low: 2), spanID: OTLPSpanID(17), name: "search",
                     attributes: [OTLPKeyValue("gen_ai.tool.name", .string("search")),
                                  OTLPKeyValue("gen_ai.usage.total_cost", .double(-1e12))]),
            // Not a decimal number: "0x10" was a cost of $16; then a count of 0 tokens,
            // priced $0, where the usage was not known (second hostile pass, round 13).
            llm(18, [OTLPKeyValue("gen_ai.usage.total_cost", .string("0x10"))]),
            llm(19, [OTLPKeyValue("gen_ai.usage.prompt_tokens", .string("0x10"))]),
            llm(20, [OTLPKeyValue("gen_ai.usage.output_tokens", .string("0.5"))]),
            // Negative: refused as `agentops event` refuses it (it was taken as 0).
            llm(22, [OTLPKeyValue("gen_ai.usage.prompt_tokens", .int(-5))]),
            // Within the limits, however written: kept.
            llm(21, [OTLPKeyValue("gen_ai.usage.prompt_tokens", .string("+12")),
                     OTLPKeyValue("gen_ai.usage.output_tokens", .double(3)), OTLPKeyValue("gen_ai.usage.total_cost", .empty)]),
        ])])])
        let ingest = SpanEvents.ingest(request, session: Self.session, arrival: .now())
        #expect(ingest.outOfRangeSpans == 11)
        #expect(ingest.events.map { $0.fields.first { $0.0 == "prompt_tokens" }?.1 } == [.int(1_000_000_000_000), .int(12)])
        #expect(ingest.events.last?.fields.first { $0.0 == "completion_tokens" }?.1 == .int(3))
        let answer = try Self.endpoint().respond(Self.head(type: "application/json"), body: request.json[...])
        #expect(answer.status == 200)
        let text = String(decoding: answer.raw?.bytes ?? [], as: UTF8.self)
        #expect(text.contains("\"rejectedSpans\":\"11\"") && text.contains("no whole number or over 1000000000000"), "\(text)")
        #expect(LLMNumbers.storedTokens(.int(1_000_000_000_000)) == 1_000_000_000_000)
        #expect(LLMNumbers.storedTokens(.int(1_000_000_000_001)) == 0)
        #expect(LLMNumbers.storedTokens(.int(Int64.max)) == 0)
    }

    @Test("the SDK break is seen: a token asked for, no traces sent")
    func sdkBreak() throws {
        let endpoint = try Self.endpoint()
        #expect(!endpoint.sawAuthWithoutTraces)
        let auth = endpoint.respond(Self.head("/v3/auth/token", type: "application/json"), body: Array(#"{"api_key":"k"}"#.utf8)[...])
        #expect(auth.body["project_id"] == .string(Self.session.value))
        #expect(endpoint.sawAuthWithoutTraces)
        _ = endpoint.respond(Self.head(), body: [])
        #expect(!endpoint.sawAuthWithoutTraces)
    }

    @Test("paths: a trailing slash is optional; v2 calls are not the OTLP endpoint's")
    func paths() {
        #expect(OTLPEndpoint.serves("/v4/logs/upload/") && OTLPEndpoint.serves("/v1/traces"))
        #expect(!OTLPEndpoint.serves("/v2/create_events") && !OTLPEndpoint.serves("/"))
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case let .failure(failure) = self { return failure }
        return nil
    }
}
