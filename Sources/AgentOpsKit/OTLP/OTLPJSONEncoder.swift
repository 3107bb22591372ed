extension OTLPTraceRequest {
    /// The request as an OTLP/JSON body: lowercase hex ids, 64-bit integers as decimal
    /// strings, enums as integers, defaults omitted, keys in field-number order.
    public var json: [UInt8] { JSONWriter.compact(jsonValue) }

    /// The request as a JSON document (see `json`).
    public var jsonValue: JSONValue {
        .object([("resourceSpans", .array(resourceSpans.map(OTLPJSONEncoder.resourceSpans)))])
    }
}

extension OTLPTraceResponse {
    /// The response as an OTLP/JSON body: `{}` for full success, otherwise
    /// `{"partialSuccess":{"rejectedSpans":"N","errorMessage":"…"}}`.
    public var json: [UInt8] {
        guard let partial = partialSuccess else { return Array("{}".utf8) }
        var members: [(String, JSONValue)] = []
        if partial.rejectedSpans != 0 { members.append(("rejectedSpans", .string(String(partial.rejectedSpans)))) }
        if !partial.errorMessage.isEmpty { members.append(("errorMessage", .string(partial.errorMessage))) }
        return JSONWriter.compact(.object([("partialSuccess", .object(members))]))
    }
}

/// Builds OTLP/JSON documents from the model.
enum OTLPJSONEncoder {
    static func resourceSpans(_ value: OTLPResourceSpans) -> JSONValue {
        var resource: [(String, JSONValue)] = []
        add(&resource, "attributes", value.resource.attributes)
        add(&resource, "droppedAttributesCount", value.resource.droppedAttributesCount)
        var members: [(String, JSONValue)] = [("resource", .object(resource))]
        if !value.scopeSpans.isEmpty { members.append(("scopeSpans", .array(value.scopeSpans.map(scopeSpans)))) }
        add(&members, "schemaUrl", value.schemaURL)
        return .object(members)
    }

    static func scopeSpans(_ value: OTLPScopeSpans) -> JSONValue {
        var scope: [(String, JSONValue)] = []
        add(&scope, "name", value.scope.name)
        add(&scope, "version", value.scope.version)
        add(&scope, "attributes", value.scope.attributes)
        add(&scope, "droppedAttributesCount", value.scope.droppedAttributesCount)
        var members: [(String, JSONValue)] = [("scope", .object(scope))]
        if !value.spans.isEmpty { members.append(("spans", .array(value.spans.map(span)))) }
        add(&members, "schemaUrl", value.schemaURL)
        return .object(members)
    }

    static func span(_ span: OTLPSpan) -> JSONValue {
        var m: [(String, JSONValue)] = []
        m.reserveCapacity(12)
        if !span.traceID.isZero { m.append(("traceId", .string(span.traceID.hex))) }
        if !span.spanID.isZero { m.append(("spanId", .string(span.spanID.hex))) }
        add(&m, "traceState", span.traceState)
        if let parent = span.parentSpanID, !parent.isZero { m.append(("parentSpanId", .string(parent.hex))) }
        add(&m, "name", span.name)
        if span.kind != 0 { m.append(("kind", .int(span.kind))) }
        add(&m, "startTimeUnixNano", span.startTimeUnixNano)
        add(&m, "endTimeUnixNano", span.endTimeUnixNano)
        add(&m, "attributes", span.attributes)
        add(&m, "droppedAttributesCount", span.droppedAttributesCount)
        if !span.events.isEmpty {
            m.append(("events", .array(span.events.map { event in
                var e: [(String, JSONValue)] = []
                add(&e, "timeUnixNano", event.timeUnixNano)
                add(&e, "name", event.name)
                add(&e, "attributes", event.attributes)
                add(&e, "droppedAttributesCount", event.droppedAttributesCount)
                return .object(e)
            })))
        }
        add(&m, "droppedEventsCount", span.droppedEventsCount)
        if !span.links.isEmpty {
            m.append(("links", .array(span.links.map { link in
                var l: [(String, JSONValue)] = []
                if !link.traceID.isZero { l.append(("traceId", .string(link.traceID.hex))) }
                if !link.spanID.isZero { l.append(("spanId", .string(link.spanID.hex))) }
                add(&l, "traceState", link.traceState)
                add(&l, "attributes", link.attributes)
                add(&l, "droppedAttributesCount", link.droppedAttributesCount)
                add(&l, "flags", link.flags)
                return .object(l)
            })))
        }
        add(&m, "droppedLinksCount", span.droppedLinksCount)
        if !span.status.isDefault {
            var s: [(String, JSONValue)] = []
            add(&s, "message", span.status.message)
            if span.status.code != 0 { s.append(("code", .int(span.status.code))) }
            m.append(("status", .object(s)))
        }
        add(&m, "flags", span.flags)
        return .object(m)
    }

    static func attributes(_ list: [OTLPKeyValue]) -> JSONValue {
        .array(list.map { .object([("key", .string($0.key)), ("value", anyValue($0.value))]) })
    }

    static func anyValue(_ value: OTLPAnyValue) -> JSONValue {
        switch value {
        case .empty: return .object([])
        case let .string(s): return .object([("stringValue", .string(s))])
        case let .bool(b): return .object([("boolValue", .bool(b))])
        case let .int(i): return .object([("intValue", .string(String(i)))])
        case let .double(d): return .object([("doubleValue", double(d))])
        case let .array(values): return .object([("arrayValue", .object([("values", .array(values.map(anyValue)))]))])
        case let .kvlist(pairs): return .object([("kvlistValue", .object([("values", attributes(pairs))]))])
        case let .bytes(b): return .object([("bytesValue", .string(Base64.encode(b)))])
        }
    }

    /// A double as proto3 JSON writes it: a number, or a string for the non-finite values.
    static func double(_ d: Double) -> JSONValue {
        if d.isNaN { return .string("NaN") }
        if d.isInfinite { return .string(d < 0 ? "-Infinity" : "Infinity") }
        return .number("\(d)")
    }

    private static func add(_ members: inout [(String, JSONValue)], _ key: String, _ value: String) {
        if !value.isEmpty { members.append((key, .string(value))) }
    }

    /// A uint32 member, as a JSON number.
    private static func add(_ members: inout [(String, JSONValue)], _ key: String, _ value: UInt32) {
        if value != 0 { members.append((key, .int(value))) }
    }

    /// A fixed64 member, as a decimal string.
    private static func add(_ members: inout [(String, JSONValue)], _ key: String, _ value: UInt64) {
        if value != 0 { members.append((key, .string(String(value)))) }
    }

    private static func add(_ members: inout [(String, JSONValue)], _ key: String, _ list: [OTLPKeyValue]) {
        if !list.isEmpty { members.append((key, attributes(list))) }
    }
}
