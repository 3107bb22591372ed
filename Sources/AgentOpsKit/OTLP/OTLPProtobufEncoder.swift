extension OTLPTraceRequest {
    /// The request as an `application/x-protobuf` body, byte-identical to what the
    /// protobuf library serialises for the same message.
    ///
    /// `resource` and `scope` are always written (as the OTel SDKs do), `status` only when
    /// it is not UNSET without a message.
    public var protobuf: [UInt8] { encoded.bytes }

    /// Calls `body` with the `protobuf` bytes where they were written, without copying
    /// them out (a batch is up to 4 MiB): valid only during the call.
    public func withProtobuf<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try encoded.withBytes(body)
    }

    private var encoded: ProtoWriter {
        // Room for the whole request up front, so the writer does not grow (and copy)
        // on the way: the estimate errs high, and pages never written cost nothing.
        let estimate = resourceSpans.reduce(256) { total, item in
            item.scopeSpans.reduce(total + item.resource.attributes.protobufSizeEstimate) { total, scope in
                scope.spans.reduce(total) { $0 + $1.protobufSizeEstimate }
            }
        }
        var writer = ProtoWriter(capacity: estimate)
        for item in resourceSpans.reversed() {
            writer.message(1) { OTLPProtobufEncoder.resourceSpans(item, into: &$0) }
        }
        return writer
    }
}

extension OTLPTraceResponse {
    /// The response as an `application/x-protobuf` body: empty for full success.
    public var protobuf: [UInt8] {
        guard let partial = partialSuccess else { return [] }
        var writer = ProtoWriter(capacity: 64 + partial.errorMessage.utf8.count)
        writer.message(1) { w in
            w.string(2, partial.errorMessage)
            w.varint(1, UInt64(bitPattern: partial.rejectedSpans))
        }
        return writer.bytes
    }
}

/// Writes each OTLP message into a `ProtoWriter`, fields in descending order (the writer
/// fills backwards, so the output is ascending).
enum OTLPProtobufEncoder {
    static func resourceSpans(_ value: OTLPResourceSpans, into w: inout ProtoWriter) {
        w.string(3, value.schemaURL)
        for item in value.scopeSpans.reversed() {
            w.message(2) { scopeSpans(item, into: &$0) }
        }
        w.message(1) { w in
            w.varint(2, UInt64(value.resource.droppedAttributesCount))
            attributes(1, value.resource.attributes, into: &w)
        }
    }

    static func scopeSpans(_ value: OTLPScopeSpans, into w: inout ProtoWriter) {
        w.string(3, value.schemaURL)
        for span in value.spans.reversed() {
            w.message(2) { self.span(span, into: &$0) }
        }
        let scope = value.scope
        w.message(1) { w in
            w.varint(4, UInt64(scope.droppedAttributesCount))
            attributes(3, scope.attributes, into: &w)
            w.string(2, scope.version)
            w.string(1, scope.name)
        }
    }

    static func span(_ span: OTLPSpan, into w: inout ProtoWriter) {
        w.fixed32(16, span.flags)
        if !span.status.isDefault {
            w.message(15) { w in
                w.varint(3, UInt64(bitPattern: Int64(span.status.code)))
                w.string(2, span.status.message)
            }
        }
        w.varint(14, UInt64(span.droppedLinksCount))
        for link in span.links.reversed() {
            w.message(13) { w in
                w.fixed32(6, link.flags)
                w.varint(5, UInt64(link.droppedAttributesCount))
                attributes(4, link.attributes, into: &w)
                w.string(3, link.traceState)
                w.spanID(2, link.spanID)
                w.traceID(1, link.traceID)
            }
        }
        w.varint(12, UInt64(span.droppedEventsCount))
        for event in span.events.reversed() {
            w.message(11) { w in
                w.varint(4, UInt64(event.droppedAttributesCount))
                attributes(3, event.attributes, into: &w)
                w.string(2, event.name)
                w.fixed64(1, event.timeUnixNano)
            }
        }
        w.varint(10, UInt64(span.droppedAttributesCount))
        attributes(9, span.attributes, into: &w)
        w.fixed64(8, span.endTimeUnixNano)
        w.fixed64(7, span.startTimeUnixNano)
        w.varint(6, UInt64(bitPattern: Int64(span.kind)))
        w.string(5, span.name)
        if let parent = span.parentSpanID { w.spanID(4, parent) }
        w.string(3, span.traceState)
        w.spanID(2, span.spanID)
        w.traceID(1, span.traceID)
    }

    /// A repeated KeyValue field.
    static func attributes(_ field: Int, _ list: [OTLPKeyValue], into w: inout ProtoWriter) {
        for pair in list.reversed() {
            w.message(field) { w in
                w.message(2) { anyValue(pair.value, into: &$0) }
                w.string(1, pair.key)
            }
        }
    }

    /// The body of an AnyValue: the one member of its oneof, written even when it is a default.
    static func anyValue(_ value: OTLPAnyValue, into w: inout ProtoWriter) {
        switch value {
        case .empty: break
        case let .string(s): w.string(1, s, always: true)
        case let .bool(b): w.varint(2, b ? 1 : 0, always: true)
        case let .int(i): w.varint(3, UInt64(bitPattern: i), always: true)
        case let .double(d): w.fixed64(4, d.bitPattern, always: true)
        case let .array(values):
            w.message(5) { w in
                for item in values.reversed() {
                    w.message(1) { anyValue(item, into: &$0) }
                }
            }
        case let .kvlist(pairs):
            w.message(6) { attributes(1, pairs, into: &$0) }
        case let .bytes(b): w.bytes(7, b, always: true)
        }
    }
}
