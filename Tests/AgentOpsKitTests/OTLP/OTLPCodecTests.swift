import Testing
@testable import AgentOpsKit

@Suite("OTLP codec")
struct OTLPCodecTests {
    @Test("the golden export decodes to what its JSON says and re-encodes byte for byte")
    func golden() throws {
        let bin = try OTLPFixtures.bytes("golden_session_export.bin")
        let fromProtobuf = try OTLPTraceRequest(protobuf: bin)
        let fromJSON = try OTLPTraceRequest(json: try OTLPFixtures.bytes("golden_session_export.json"))
        #expect(fromProtobuf == fromJSON)
        #expect(fromProtobuf.spanCount == 3)
        #expect(fromProtobuf.protobuf == bin)
        #expect(fromJSON.protobuf == bin)

        let spans = fromProtobuf.resourceSpans[0].scopeSpans[0].spans
        let llm = spans[0]
        #expect(llm.traceID.hex == "3f0c8d1e5b2a4c6f9e7d1a2b3c4d5e6f")
        #expect(llm.spanID.hex == "a1b2c3d400004000")
        #expect(llm.parentSpanID?.hex == "9e7d1a2b3c4d5e6f")
        #expect(llm.kind == OTLPSpan.Kind.client)
        #expect(llm.startTimeUnixNano == 1_795_340_985_001_000_000)
        #expect(llm.int("gen_ai.usage.prompt_tokens") == 23)
        #expect(llm.double("gen_ai.usage.total_cost") == 0.0000077)
        #expect(llm.string("gen_ai.system") == "openai")
        #expect(llm.status.code == OTLPStatus.Code.ok)
        #expect(llm.flags == 0x100)
        let tool = spans[1]
        #expect(tool.int("agentops_run.offset") == -1)
        #expect(tool.events.first?.attributes.string("exception.type") == "ZeroDivisionError")
        #expect(tool.status == OTLPStatus(code: 2, message: "ZeroDivisionError: division by zero"))
        let session = spans[2]
        #expect(session.parentSpanID == nil)
        #expect(session[attribute: "agentops.tags"] == .array([.string("agentops-run"), .string("demo")]))
        #expect(session.bool("agentops_run.ok") == false)
    }

    @Test("every captured request survives JSON → protobuf → model and JSON → JSON → model")
    func capturedRoundTrips() throws {
        let captured = try OTLPFixtures.capturedRequests()
        #expect(captured.count >= 12)
        var spans = 0
        for (label, document) in captured {
            let request = try OTLPTraceRequest(jsonValue: document)
            spans += request.spanCount
            let viaProtobuf = try OTLPTraceRequest(protobuf: request.protobuf)
            #expect(viaProtobuf == request, "\(label): protobuf round trip")
            let viaJSON = try OTLPTraceRequest(json: request.json)
            #expect(viaJSON == request, "\(label): JSON round trip")
            #expect(viaProtobuf.protobuf == request.protobuf, "\(label): stable encoding")
        }
        #expect(spans >= 30)
    }

    @Test("the encoder matches the captured JSON for ids, times and values")
    func capturedDetails() throws {
        let document = try JSONParser.parse(try OTLPFixtures.bytes("openai.otlp.json"))
        let request = try OTLPTraceRequest(jsonValue: try #require(document.arrayValue?.first?["request"]))
        let span = try #require(request.resourceSpans.first?.scopeSpans.first?.spans.first)
        #expect(span.traceID == OTLPTraceID(hex: "9357bf8cd3821a93cf2bdac509fc8c0e"))
        #expect(span.startTimeUnixNano == 1_795_341_337_179_883_032)
        #expect(span.int("gen_ai.request.max_tokens") == 50)
        #expect(span.double("gen_ai.request.temperature") == 0.2)
        #expect(request.resourceSpans[0].resource.attributes[attribute: "imported_libraries"]
                == .array([.string("agentops")]))
        let text = String(decoding: request.json, as: UTF8.self)
        #expect(text.contains(#""traceId":"9357bf8cd3821a93cf2bdac509fc8c0e""#))
        #expect(text.contains(#""startTimeUnixNano":"1795341337179883032""#))
        #expect(text.contains(#""intValue":"50""#))
        #expect(text.contains(#""kind":3"#))
    }
}
