import Testing
@testable import AgentOpsKit

/// The attribute table the span mapping reads through, and the names the decoder shares.
@Suite("Span attributes by name")
struct SpanAttributesTests {
    @Test("the first of a repeated name wins; empty values and unknown names are absent; many attributes all found")
    func lookups() {
        var list = [OTLPKeyValue("gen_ai.request.model", .string("first")),
                     OTLPKeyValue("gen_ai.request.model", .string("second")),
                     OTLPKeyValue("", .string("nameless")), OTLPKeyValue("blank", .empty)]
        for index in 0..<300 { list.append(OTLPKeyValue("k\(index)", .int(Int64(index)))) }
        let a = SpanAttributes(list)
        #expect(a.string("gen_ai.request.model") == "first")
        #expect(a[""] == .string("nameless"))
        #expect(a["blank"] == nil && a["gen_ai.request"] == nil && a["missing"] == nil)
        #expect((0..<300).allSatisfy { a.int("k\($0)") == Int64($0) })
        let name = Array("k299".utf8)
        #expect(name.withUnsafeBytes { a[bytes: $0] } == .int(299))
        #expect(a.pairs(withPrefix: "gen_ai.request.").map(\.1) == [.string("first")])
        #expect(a.pairs(withPrefix: "k1").count == 111)
    }

    @Test("a well-known name decodes to the same text, shared; others as sent")
    func sharedNames() throws {
        for name in ["gen_ai.prompt.3.content", "agentops.span.kind", "gen_ai.usage.prompt_tokens",
                     "an.unknown.attribute.name", "short"] {
            let body = ProtoWriterFixture.request(attribute: name)
            let request = try OTLPTraceRequest(protobuf: body)
            let key = request.resourceSpans.first?.scopeSpans.first?.spans.first?.attributes.first?.key
            #expect(key == name)
        }
        #expect(Array("gen_ai.prompt.3.content".utf8).withUnsafeBytes { OTLPAttributeKeys.shared($0) } != nil)
        #expect(Array("an.unknown.attribute.name".utf8).withUnsafeBytes { OTLPAttributeKeys.shared($0) } == nil)
    }
}

/// One span with one string attribute, as protobuf.
private enum ProtoWriterFixture {
    static func request(attribute name: String) -> [UInt8] {
        var value = ProtoWriter(capacity: 16)
        value.string(1, "v")
        var pair = ProtoWriter(capacity: 64)
        pair.string(1, name)
        pair.bytes(2, value.bytes)
        var span = ProtoWriter(capacity: 128)
        span.bytes(1, [UInt8](repeating: 1, count: 16))
        span.bytes(2, [UInt8](repeating: 2, count: 8))
        span.bytes(9, pair.bytes)
        var scope = ProtoWriter(capacity: 160)
        scope.bytes(2, span.bytes)
        var resource = ProtoWriter(capacity: 192)
        resource.bytes(2, scope.bytes)
        var request = ProtoWriter(capacity: 224)
        request.bytes(1, resource.bytes)
        return request.bytes
    }
}
