import Testing
@testable import AgentOpsKit

@Suite("OTLP bad input")
struct OTLPBadInputTests {
    /// A tag and a length prefix, as the protobuf encoder writes them.
    static func field(_ number: Int, _ payload: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(payload.count)) + payload
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        return out + [UInt8(v)]
    }

    /// A request holding one span with the given body.
    static func request(span: [UInt8]) -> [UInt8] {
        field(1, field(2, field(2, span)))
    }

    @Test("protobuf wire errors are typed and say where")
    func wireErrors() throws {
        #expect(throws: OTLPDecodeError.truncatedVarint(offset: 1)) { try OTLPTraceRequest(protobuf: [0x0A, 0x80]) }
        let elevenBytes: [UInt8] = [0x0A] + [UInt8](repeating: 0xFF, count: 10) + [0x01]
        #expect(throws: OTLPDecodeError.varintTooLong(offset: 1)) { try OTLPTraceRequest(protobuf: elevenBytes) }
        let expected = OTLPDecodeError.truncated(what: "length-delimited field", offset: 1, needed: 10, available: 2)
        #expect(throws: expected) {
            try OTLPTraceRequest(protobuf: [0x0A, 0x0A, 0x00, 0x00])
        }
        let huge: [UInt8] = [0x0A] + Self.varint(UInt64.max) + [0]
        #expect(throws: OTLPDecodeError.self) { try OTLPTraceRequest(protobuf: huge) }
        #expect(throws: OTLPDecodeError.unsupportedWireType(offset: 0, field: 1, wireType: 3)) {
            try OTLPTraceRequest(protobuf: [0x0B])
        }
        #expect(throws: OTLPDecodeError.invalidFieldNumber(offset: 0, field: 0)) {
            try OTLPTraceRequest(protobuf: [0x02, 0x00])
        }
        #expect(throws: OTLPDecodeError.truncated(what: "fixed64", offset: 7, needed: 8, available: 2)) {
            try OTLPTraceRequest(protobuf: Self.request(span: [0x39, 1, 2]))
        }
        #expect(throws: OTLPDecodeError.invalidID(what: "trace_id", offset: 7, length: 3)) {
            try OTLPTraceRequest(protobuf: Self.request(span: Self.field(1, [1, 2, 3])))
        }
        #expect(OTLPDecodeError.truncatedVarint(offset: 12).description == "truncated varint at byte 12")
    }

    @Test("unknown and newer fields are skipped by wire type")
    func unknownFieldsSkipped() throws {
        // Resource.entity_refs (3), KeyValue.key_strindex (3), AnyValue.string_value_strindex (8),
        // ResourceSpans field 1000, a fixed32 and a fixed64 field nobody knows.
        let any = Self.field(1, Array("v".utf8)) + [0x40, 0x05]
        let keyValue = Self.field(1, Array("k".utf8)) + Self.field(2, any) + [0x18, 0x07]
        let resource = Self.field(1, keyValue) + Self.field(3, [0x0A, 0x00])
        let span = Self.field(5, Array("s".utf8)) + [0xFD, 0x07, 1, 2, 3, 4]
            + [0xF9, 0x07] + [UInt8](repeating: 9, count: 8)
        let resourceSpans = Self.field(1, resource) + Self.field(1000, [1, 2, 3]) + Self.field(2, Self.field(2, span))
        let request = try OTLPTraceRequest(protobuf: Self.field(1, resourceSpans))
        #expect(request.resourceSpans[0].resource.attributes == [OTLPKeyValue("k", .string("v"))])
        #expect(request.resourceSpans[0].scopeSpans[0].spans[0].name == "s")
        #expect(try OTLPTraceRequest(protobuf: []) == OTLPTraceRequest())
    }

    @Test("deep nesting, too many spans and too many attributes are errors, not crashes")
    func limits() throws {
        var value: [UInt8] = Self.field(1, Array("leaf".utf8))
        for _ in 0..<100 { value = Self.field(5, Self.field(1, value)) }  // arrayValue { values: [value] }
        let deep = Self.request(span: Self.field(9, Self.field(1, Array("k".utf8)) + Self.field(2, value)))
        #expect(throws: OTLPDecodeError.self) { try OTLPTraceRequest(protobuf: deep) }
        let shallow = OTLPDecodeLimits(maxNestingDepth: 200)
        #expect(try OTLPTraceRequest(protobuf: deep, limits: shallow).spanCount == 1)

        let threeSpans = Self.field(1, Self.field(2, Self.field(2, []) + Self.field(2, []) + Self.field(2, [])))
        #expect(throws: OTLPDecodeError.tooMany(what: "spans", limit: 2)) {
            try OTLPTraceRequest(protobuf: threeSpans, limits: OTLPDecodeLimits(maxSpans: 2))
        }
        let attributes = [UInt8](repeating: 0, count: 0) + (0..<5).flatMap { _ in Self.field(9, []) }
        #expect(throws: OTLPDecodeError.tooMany(what: "attributes in one list", limit: 4)) {
            try OTLPTraceRequest(protobuf: Self.request(span: attributes),
                                 limits: OTLPDecodeLimits(maxAttributesPerList: 4))
        }
        #expect(throws: OTLPDecodeError.self) {
            try OTLPTraceRequest(protobuf: Self.request(span: attributes), limits: OTLPDecodeLimits(maxTotalItems: 3))
        }

        var json = #"{"stringValue":"leaf"}"#
        for _ in 0..<100 { json = #"{"arrayValue":{"values":[\#(json)]}}"# }
        let document = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":"#
            + #"[{"key":"k","value":\#(json)}]}]}]}]}"#
        #expect(throws: OTLPDecodeError.self) { try OTLPTraceRequest(json: Array(document.utf8)) }
    }

    @Test("JSON with wrong types is an error naming the member")
    func jsonWrongTypes() throws {
        func decode(_ text: String) throws -> OTLPTraceRequest { try OTLPTraceRequest(json: Array(text.utf8)) }
        let notArray = OTLPDecodeError.invalidJSONValue(path: "resourceSpans",
                                                        problem: "expected an array, found an object")
        #expect(throws: notArray) {
            try decode(#"{"resourceSpans":{}}"#)
        }
        #expect(throws: OTLPDecodeError.invalidJSONValue(
            path: "resourceSpans[0].scopeSpans[0].spans[1].startTimeUnixNano",
            problem: "expected a number or a decimal string, found a boolean")) {
            try decode(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{},{"startTimeUnixNano":true}]}]}]}"#)
        }
        #expect(throws: OTLPDecodeError.self) {
            try decode(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}"#)
        }
        #expect(throws: OTLPDecodeError.self) {
            try decode(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"FLYING"}]}]}]}"#)
        }
        #expect(throws: OTLPDecodeError.self) {
            try decode(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"flags":-1}]}]}]}"#)
        }
        #expect(throws: OTLPDecodeError.self) {
            try decode(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}"#)
        }
        #expect(throws: OTLPDecodeError.self) {
            try decode(#"{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":"1.5"}}]}}]}"#)
        }
        #expect(throws: OTLPDecodeError.self) { try decode(#"{"resourceSpans":["#) }
        #expect(throws: OTLPDecodeError.self) { try decode("[]") }
        // Numbers in strings are decimal: `Double.init` read these (round 12's known-left
        // list: "0x10" was 16).
        for text in ["0x10", "0X1p4", "inf", "nan", "infinity", " 5", "5 ", "1_0", "--5", "+-5", ".5", "5."] {
            #expect(throws: OTLPDecodeError.self, "\(text)") {
                try decode(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"\#(text)"}]}]}]}"#)
            }
            #expect(throws: OTLPDecodeError.self, "\(text)") {
                try decode(#"{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"doubleValue":"\#(text)"}}]}}]}"#)
            }
        }
    }

    @Test("JSON is read liberally: base64 ids, enum names, numbers for int64, snake_case, unknown keys")
    func jsonLiberal() throws {
        let text = #"""
        {"resourceSpans":[{"scopeSpans":[{"spans":[{
          "traceId":"PwyNHlsqTG+efRorPE1ebw==","span_id":"obLD1AAAQAA=","parentSpanId":"9E7D1A2B3C4D5E6F",
          "kind":"SPAN_KIND_CLIENT","startTimeUnixNano":1795340985001000000,"status":{"code":"STATUS_CODE_ERROR"},
          "flags":"256","future":{"x":[1]},
          "attributes":[{"key":"n","value":{"intValue":42}},{"key":"d","value":{"doubleValue":"Infinity"}},
                        {"key":"b","value":{"bytesValue":"AAEC"}},{"key":"e","value":{}},
                        {"key":"kv","value":{"kvlistValue":{"values":[{"key":"x","value":{"boolValue":true}}]}}}]
        }]}]}]}
        """#
        let request = try OTLPTraceRequest(json: Array(text.utf8))
        let span = try #require(request.resourceSpans.first?.scopeSpans.first?.spans.first)
        #expect(span.traceID.hex == "3f0c8d1e5b2a4c6f9e7d1a2b3c4d5e6f")
        #expect(span.spanID.hex == "a1b2c3d400004000")
        #expect(span.parentSpanID?.hex == "9e7d1a2b3c4d5e6f")
        #expect(span.kind == OTLPSpan.Kind.client)
        #expect(span.status.code == OTLPStatus.Code.error)
        #expect(span.flags == 256)
        #expect(span.startTimeUnixNano == 1_795_340_985_001_000_000)
        #expect(span.int("n") == 42)
        #expect(span.double("d") == .infinity)
        #expect(span[attribute: "b"] == .bytes([0, 1, 2]))
        #expect(span[attribute: "e"] == .empty)
        #expect(span[attribute: "kv"] == .kvlist([OTLPKeyValue("x", .bool(true))]))
        let again = try OTLPTraceRequest(json: OTLPTraceRequest(resourceSpans: [OTLPResourceSpans(
            scopeSpans: [OTLPScopeSpans(spans: [span])])]).json)
        #expect(again.resourceSpans[0].scopeSpans[0].spans[0] == span)
    }

    @Test("attribute accessors convert overflow-safely")
    func accessors() {
        let span = OTLPSpan(attributes: [
            OTLPKeyValue("i", .int(-5)), OTLPKeyValue("d", .double(7)), OTLPKeyValue("s", .string("12")),
            OTLPKeyValue("big", .double(1e30)), OTLPKeyValue("frac", .double(1.5)),
            OTLPKeyValue("huge", .string("99999999999999999999")),
            OTLPKeyValue("nan", .double(.nan)), OTLPKeyValue("i", .int(9)),
        ])
        #expect(span.int("i") == -5)
        #expect(span.int("d") == 7)
        #expect(span.int("s") == 12)
        #expect(span.int("big") == nil)
        #expect(span.int("frac") == nil)
        #expect(span.int("huge") == nil)
        #expect(span.int("nan") == nil)
        #expect(span.double("s") == 12)
        #expect(span.string("s") == "12")
        #expect(span.string("i") == nil)
        #expect(span.int("missing") == nil)
        // A string is read as a number only when it is one in decimal (a leading `+` as
        // Python's and Go's protobuf JSON take it): `Double.init` read "0x10" as 16.
        let strings = OTLPSpan(attributes: ["0x10", "0X1p4", "inf", "-Infinity", "nan", " 7", "1_000", "+-5", "+5", "-5", "1e3", "2.50"]
            .map { OTLPKeyValue($0, .string($0)) })
        for name in ["0x10", "0X1p4", "inf", "-Infinity", "nan", " 7", "1_000", "+-5"] {
            #expect(strings.double(name) == nil, "\(name)")
            #expect(strings.int(name) == nil, "\(name)")
        }
        #expect(strings.int("+5") == 5 && strings.int("-5") == -5 && strings.int("1e3") == 1000)
        #expect(strings.double("2.50") == 2.5 && strings.int("2.50") == nil)
        #expect(JSONParser.isNumber("0") && JSONParser.isNumber("-0.5e+3") && !JSONParser.isNumber("")
                && !JSONParser.isNumber("-") && !JSONParser.isNumber("01") && !JSONParser.isNumber("1e"))
    }

    @Test("responses encode and decode in both forms")
    func responses() throws {
        #expect(OTLPTraceResponse().protobuf == [])
        #expect(OTLPTraceResponse().json == Array("{}".utf8))
        let partial = OTLPTraceResponse(partialSuccess: .init(rejectedSpans: 3, errorMessage: "bad ids"))
        #expect(partial.protobuf == [0x0A, 0x0B, 0x08, 0x03, 0x12, 0x07] + Array("bad ids".utf8))
        #expect(String(decoding: partial.json, as: UTF8.self)
                == #"{"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad ids"}}"#)
        #expect(try OTLPTraceResponse(protobuf: partial.protobuf) == partial)
        #expect(try OTLPTraceResponse(json: partial.json) == partial)
        #expect(try OTLPTraceResponse(protobuf: []) == OTLPTraceResponse())
    }
}
