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
