/// About how many bytes a message takes in protobuf, erring high, computed without
/// encoding it: for cutting batches (`OTLPSessionSpans`) and for sizing the encoder's
/// buffer once (`OTLPTraceRequest.protobuf`; an estimate that falls short only makes
/// the buffer grow).
extension OTLPSpan {
    /// About the protobuf size of the span.
    var protobufSizeEstimate: Int {
        events.reduce(attributes.protobufSizeEstimate + name.utf8.count + status.message.utf8.count + 128) {
            $0 + $1.attributes.protobufSizeEstimate + $1.name.utf8.count + 32
        } + links.reduce(0) { $0 + $1.attributes.protobufSizeEstimate + 64 } + traceState.utf8.count
    }
}

extension Array where Element == OTLPKeyValue {
    /// About the protobuf size of the attributes (each a KeyValue field).
    var protobufSizeEstimate: Int {
        reduce(0) { $0 + $1.key.utf8.count + $1.value.protobufSizeEstimate + 8 }
    }
}

extension OTLPAnyValue {
    /// About the protobuf size of the value.
    var protobufSizeEstimate: Int {
        switch self {
        case .empty, .bool: return 2
        case .int, .double: return 11
        case let .string(s): return s.utf8.count + 4
        case let .bytes(b): return b.count + 4
        case let .array(items): return items.reduce(4) { $0 + $1.protobufSizeEstimate + 2 }
        case let .kvlist(pairs): return pairs.protobufSizeEstimate + 4
        }
    }
}
