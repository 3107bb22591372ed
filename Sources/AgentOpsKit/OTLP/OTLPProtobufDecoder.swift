extension OTLPTraceRequest {
    /// Decodes an `application/x-protobuf` export body.
    ///
    /// Unknown fields are skipped by wire type, so newer senders (`entity_refs`,
    /// `key_strindex`, the deprecated field 1000) decode fine. A known field that arrives
    /// with another wire type is skipped too, as protobuf treats it as unknown.
    /// - Parameters:
    ///   - protobuf: the (already inflated) body.
    ///   - limits: bounds on spans, attributes and nesting.
    /// - Throws: `OTLPDecodeError` for malformed input or a limit exceeded.
    public init(protobuf bytes: some Collection<UInt8>, limits: OTLPDecodeLimits = .standard) throws {
        if let decoded = try bytes.withContiguousStorageIfAvailable({
            try OTLPTraceRequest(protobuf: UnsafeRawBufferPointer($0), limits: limits)
        }) {
            self = decoded
        } else {
            self = try Array(bytes).withUnsafeBytes { try OTLPTraceRequest(protobuf: $0, limits: limits) }
        }
    }

    /// Decodes an export body from borrowed memory (see `init(protobuf:limits:)`).
    public init(protobuf buffer: UnsafeRawBufferPointer, limits: OTLPDecodeLimits = .standard) throws {
        var decoder = OTLPProtobufDecoder(limits: limits)
        var reader = ProtoReader(buffer)
        self = try decoder.request(&reader)
    }
}

extension OTLPTraceResponse {
    /// Decodes an `ExportTraceServiceResponse` (what a collector answers the exporter).
    ///
    /// - Throws: `OTLPDecodeError` for malformed input.
    public init(protobuf bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { buffer in
            var reader = ProtoReader(buffer)
            var response = OTLPTraceResponse()
            while let (field, wireType) = try reader.readTag() {
                guard field == 1, wireType == 2 else { try reader.skip(wireType: wireType); continue }
                var partial = response.partialSuccess ?? PartialSuccess()
                var sub = try reader.readLengthDelimited()
                while let (field, wireType) = try sub.readTag() {
                    switch (field, wireType) {
                    case (1, 0): partial.rejectedSpans = Int64(bitPattern: try sub.readVarint())
                    case (2, 2): partial.errorMessage = try sub.readString()
                    default: try sub.skip(wireType: wireType)
                    }
                }
                response.partialSuccess = partial
            }
            return response
        }
    }
}

/// The message-by-message protobuf decoder, counting against the decode limits (`OTLPDecodeBudget`).
///
/// Field numbers are those of opentelemetry-proto 1.x (reference §5). Wire types in the
/// switch patterns: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. A message field that
/// appears twice is merged into the first, as protobuf does, because each decoder below
/// updates the value it is given.
struct OTLPProtobufDecoder {
    private var budget: OTLPDecodeBudget

    init(limits: OTLPDecodeLimits) { budget = OTLPDecodeBudget(limits) }

    mutating func request(_ r: inout ProtoReader) throws -> OTLPTraceRequest {
        var request = OTLPTraceRequest()
        while let (field, wireType) = try r.readTag() {
            if field == 1, wireType == 2 {
                var sub = try r.readLengthDelimited()
                request.resourceSpans.append(try resourceSpans(&sub))
            } else {
                try r.skip(wireType: wireType)
            }
        }
        return request
    }

    private mutating func resourceSpans(_ r: inout ProtoReader) throws -> OTLPResourceSpans {
        var value = OTLPResourceSpans()
        while let (field, wireType) = try r.readTag() {
            switch (field, wireType) {
            case (1, 2):
                var sub = try r.readLengthDelimited()
                try resource(&sub, into: &value.resource)
            case (2, 2):
                var sub = try r.readLengthDelimited()
                value.scopeSpans.append(try scopeSpans(&sub))
            case (3, 2): value.schemaURL = try r.readString()
            default: try r.skip(wireType: wireType)
            }
        }
        return value
    }

    private mutating func resource(_ r: inout ProtoReader, into value: inout OTLPResource) throws {
        while let (field, wireType) = try r.readTag() {
            switch (field, wireType) {
            case (1, 2): try keyValue(&r, into: &value.attributes, depth: 1)
            case (2, 0): value.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.readVarint())
            default: try r.skip(wireType: wireType)
            }
        }
    }

    private mutating func scopeSpans(_ r: inout ProtoReader) throws -> OTLPScopeSpans {
        var value = OTLPScopeSpans()
        while let (field, wireType) = try r.readTag() {
            switch (field, wireType) {
            case (1, 2):
                var sub = try r.readLengthDelimited()
                try scope(&sub, into: &value.scope)
            case (2, 2):
                try budget.countSpan()
                var sub = try r.readLengthDelimited()
                value.spans.append(try span(&sub))
            case (3, 2): value.schemaURL = try r.readString()
            default: try r.skip(wireType: wireType)
            }
        }
        return value
    }

    private mutating func scope(_ r: inout ProtoReader, into value: inout OTLPScope) throws {
        while let (field, wireType) = try r.readTag() {
            switch (field, wireType) {
            case (1, 2): value.name = try r.readString()
            case (2, 2): value.version = try r.readString()
            case (3, 2): try keyValue(&r, into: &value.attributes, depth: 1)
            case (4, 0): value.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.readVarint())
            default: try r.skip(wireType: wireType)
            }
        }
    }

    private mutating func span(_ r: inout ProtoReader) throws -> OTLPSpan {
        var span = OTLPSpan()
        while let (field, wireType) = try r.readTag() {
            switch (field, wireType) {
            case (1, 2): span.traceID = try traceID(&r, what: "trace_id")
            case (2, 2): span.spanID = try spanID(&r, what: "span_id")
            case (3, 2): span.traceState = try r.readString()
            case (4, 2):
                let parent = try spanID(&r, what: "parent_span_id")
                span.parentSpanID = parent.isZero ? nil : parent
            case (5, 2): span.name = try r.readString()
            case (6, 0): span.kind = Int(Int32(truncatingIfNeeded: try r.readVarint()))
            case (7, 1): span.startTimeUnixNano = try r.readFixed64()
            case (8, 1): span.endTimeUnixNano = try r.readFixed64()
            case (9, 2): try keyValue(&r, into: &span.attributes, depth: 1)
            case (10, 0): span.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.readVarint())
            case (11, 2):
                try budget.countEvent(joining: span.events.count)
                var sub = try r.readLengthDelimited()
                span.events.append(try event(&sub))
            case (12, 0): span.droppedEventsCount = UInt32(truncatingIfNeeded: try r.readVarint())
            case (13, 2):
                try budget.countLink(joining: span.links.count)
                var sub = try r.readLengthDelimited()
                span.links.append(try link(&sub))
            case (14, 0): span.droppedLinksCount = UInt32(truncatingIfNeeded: try r.readVarint())
            case (15, 2):
                var sub = try r.readLengthDelimited()
                try status(&sub, into: &span.status)
            case (16, 5): span.flags = try r.readFixed32()
            default: try r.skip(wireType: wireType)
            }
        }
        return span
    }

    private mutating func event(_ r: inout ProtoReader) throws -> OTLPSpan.Event {
        var event = OTLPSpan.Event()
        while let (field, wireType) = try r.readTag() {
            switch (field, wireType) {
            case (1, 1): event.timeUnixNano = try r.readFixed64()
            case (2, 2): event.name = try r.readString()
            case (3, 2): try keyValue(&r, into: &event.attributes, depth: 1)
            case (4, 0): event.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.readVarint())
            default: try r.skip(wireType: wireType)
            }
        }
        return event
    }

    private mutating func link(_ r: inout ProtoReader) throws -> OTLPSpan.Link {
        var link = OTLPSpan.Link()
        while let (field, wireType) = try r.readTag() {
            switch (field, wireType) {
            case (1, 2): link.traceID = try traceID(&r, what: "link trace_id")
            case (2, 2): link.spanID = try spanID(&r, what: "link span_id")
            case (3, 2): link.traceState = try r.readString()
            case (4, 2): try keyValue(&r, into: &link.attributes, depth: 1)
            case (5, 0): link.droppedAttributesCount = UInt32(truncatingIfNeeded: try r.readVarint())
            case (6, 5): link.flags = try r.readFixed32()
            default: try r.skip(wireType: wireType)
            }
        }
        return link
    }

    private func status(_ r: inout ProtoReader, into status: inout OTLPStatus) throws {
        while let (field, wireType) = try r.readTag() {
            switch (field, wireType) {
            case (2, 2): status.message = try r.readString()
            case (3, 0): status.code = Int(Int32(truncatingIfNeeded: try r.readVarint()))
            default: try r.skip(wireType: wireType)
            }
        }
    }

    private func traceID(_ r: inout ProtoReader, what: String) throws -> OTLPTraceID {
        let start = r.offset
        let field = try r.readLengthDelimited()
        if field.isAtEnd { return .zero }
        guard let id = OTLPTraceID(bytes: field.bytes) else {
            throw OTLPDecodeError.invalidID(what: what, offset: start, length: field.bytes.count)
        }
        return id
    }

    private func spanID(_ r: inout ProtoReader, what: String) throws -> OTLPSpanID {
        let start = r.offset
        let field = try r.readLengthDelimited()
        if field.isAtEnd { return .zero }
        guard let id = OTLPSpanID(bytes: field.bytes) else {
            throw OTLPDecodeError.invalidID(what: what, offset: start, length: field.bytes.count)
        }
        return id
    }

    /// Decodes the length-delimited KeyValue at the reader and appends it to `list`.
    private mutating func keyValue(_ r: inout ProtoReader, into list: inout [OTLPKeyValue], depth: Int) throws {
        try budget.countAttribute(joining: list.count)
        // Room for a span's usual dozen at once, rather than growing 1, 2, 4, 8, 16.
        if list.capacity == 0 { list.reserveCapacity(16) }
        var sub = try r.readLengthDelimited()
        var pair = OTLPKeyValue("", .empty)
        while let (field, wireType) = try sub.readTag() {
            switch (field, wireType) {
            case (1, 2): pair.key = try sub.readKey()
            case (2, 2): pair.value = try anyValue(&sub, depth: depth)
            default: try sub.skip(wireType: wireType)
            }
        }
        list.append(pair)
    }

    /// Decodes the length-delimited AnyValue at the reader; the last member of the oneof wins.
    private mutating func anyValue(_ r: inout ProtoReader, depth: Int) throws -> OTLPAnyValue {
        let start = r.offset
        try budget.checkNesting(depth, offset: start)
        var sub = try r.readLengthDelimited()
        var value = OTLPAnyValue.empty
        while let (field, wireType) = try sub.readTag() {
            switch (field, wireType) {
            case (1, 2): value = .string(try sub.readString())
            case (2, 0): value = .bool(try sub.readVarint() != 0)
            case (3, 0): value = .int(Int64(bitPattern: try sub.readVarint()))
            case (4, 1): value = .double(Double(bitPattern: try sub.readFixed64()))
            case (5, 2):
                var array = try sub.readLengthDelimited()
                var values: [OTLPAnyValue] = []
                while let (field, wireType) = try array.readTag() {
                    guard field == 1, wireType == 2 else { try array.skip(wireType: wireType); continue }
                    try budget.countArrayValue(joining: values.count)
                    values.append(try anyValue(&array, depth: depth + 1))
                }
                value = .array(values)
            case (6, 2):
                var kvlist = try sub.readLengthDelimited()
                var pairs: [OTLPKeyValue] = []
                while let (field, wireType) = try kvlist.readTag() {
                    guard field == 1, wireType == 2 else { try kvlist.skip(wireType: wireType); continue }
                    try keyValue(&kvlist, into: &pairs, depth: depth + 1)
                }
                value = .kvlist(pairs)
            case (7, 2): value = .bytes(try sub.readBytes())
            default: try sub.skip(wireType: wireType)
            }
        }
        return value
    }
}
