/// Why an OTLP body (protobuf or JSON) could not be decoded.
///
/// Every case is a client error (HTTP 400); offsets are byte positions in the body so that
/// a sender's bug can be found in a capture.
public enum OTLPDecodeError: Error, Equatable, CustomStringConvertible {
    /// The body ended inside a varint.
    case truncatedVarint(offset: Int)
    /// A varint ran past the 10 bytes a 64-bit value can need.
    case varintTooLong(offset: Int)
    /// A fixed-width value or a length-delimited field runs past the end of its message.
    case truncated(what: String, offset: Int, needed: UInt64, available: Int)
    /// A tag with field number 0 or above 2^29-1.
    case invalidFieldNumber(offset: Int, field: UInt64)
    /// Wire types 3 and 4 (groups) or 6 and 7, none of which OTLP uses.
    case unsupportedWireType(offset: Int, field: UInt64, wireType: UInt8)
    /// A trace or span id whose length is not 16 or 8 bytes (or its hex/base64 form).
    case invalidID(what: String, offset: Int, length: Int)
    /// AnyValue arrays and kvlists nested deeper than the limit.
    case nestingTooDeep(offset: Int, limit: Int)
    /// More items than a limit allows (spans per request, attributes per span...).
    case tooMany(what: String, limit: Int)
    /// The JSON text itself is malformed.
    case invalidJSON(String)
    /// A JSON member has the wrong type or an unusable value.
    case invalidJSONValue(path: String, problem: String)

    public var description: String {
        switch self {
        case let .truncatedVarint(offset): return "truncated varint at byte \(offset)"
        case let .varintTooLong(offset): return "varint longer than 10 bytes at byte \(offset)"
        case let .truncated(what, offset, needed, available):
            return "truncated \(what) at byte \(offset): needs \(needed) bytes, \(available) left"
        case let .invalidFieldNumber(offset, field): return "invalid field number \(field) at byte \(offset)"
        case let .unsupportedWireType(offset, field, wireType):
            return "unsupported wire type \(wireType) for field \(field) at byte \(offset)"
        case let .invalidID(what, offset, length):
            return "\(what) at byte \(offset) has an invalid length (\(length))"
        case let .nestingTooDeep(offset, limit):
            return "attribute values nested deeper than \(limit) levels at byte \(offset)"
        case let .tooMany(what, limit): return "more than \(limit) \(what) in one request"
        case let .invalidJSON(message): return "invalid JSON: \(message)"
        case let .invalidJSONValue(path, problem): return "\(path): \(problem)"
        }
    }
}

/// Bounds on what one decoded request may hold, so that a small hostile body cannot make
/// the listener allocate without limit or recurse off its stack.
///
/// Lengths need no limit of their own: every string and byte field is bounded by the body,
/// which the listener already caps.
public struct OTLPDecodeLimits: Sendable, Equatable {
    /// How deep AnyValue arrays and kvlists may nest (a flat attribute is depth 1).
    public var maxNestingDepth: Int
    /// Spans in one request, over all resources and scopes.
    public var maxSpans: Int
    /// Attributes in one list (a span's, an event's, a resource's, one kvlist).
    public var maxAttributesPerList: Int
    /// Events, or links, of one span; elements of one array value.
    public var maxItemsPerList: Int
    /// Attributes, events, links and array elements in one request, all counted together.
    public var maxTotalItems: Int

    /// Limits.
    public init(maxNestingDepth: Int = 32, maxSpans: Int = 100_000, maxAttributesPerList: Int = 10_000,
                maxItemsPerList: Int = 100_000, maxTotalItems: Int = 4_000_000) {
        self.maxNestingDepth = maxNestingDepth
        self.maxSpans = maxSpans
        self.maxAttributesPerList = maxAttributesPerList
        self.maxItemsPerList = maxItemsPerList
        self.maxTotalItems = maxTotalItems
    }

    /// The limits the listener uses: generous for real exporters (the SDKs send 512 spans
    /// and 128 attributes per span by default), tight enough to refuse a bomb.
    public static let standard = OTLPDecodeLimits()
}
