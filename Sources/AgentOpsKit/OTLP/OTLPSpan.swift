/// One span (`opentelemetry.proto.trace.v1.Span`).
///
/// Times are nanoseconds since the epoch as OTLP sends them (`fixed64`); `kind` and the
/// status code keep the wire integers so that unknown future values survive a round trip.
public struct OTLPSpan: Sendable, Equatable {
    /// `SpanKind` values.
    public enum Kind {
        public static let unspecified = 0, `internal` = 1, server = 2, client = 3, producer = 4, consumer = 5
    }

    public var traceID: OTLPTraceID
    public var spanID: OTLPSpanID
    /// W3C `tracestate`.
    public var traceState: String
    /// The parent, nil for a root (an empty or all-zero `parent_span_id`).
    public var parentSpanID: OTLPSpanID?
    public var name: String
    /// A `Kind` value.
    public var kind: Int
    public var startTimeUnixNano: UInt64
    public var endTimeUnixNano: UInt64
    public var attributes: [OTLPKeyValue]
    public var droppedAttributesCount: UInt32
    public var events: [Event]
    public var droppedEventsCount: UInt32
    public var links: [Link]
    public var droppedLinksCount: UInt32
    public var status: OTLPStatus
    /// W3C trace flags in bits 0-7; 0x100 "has is-remote", 0x200 "is remote".
    public var flags: UInt32

    /// A span; every field defaults to its protobuf default.
    public init(
        traceID: OTLPTraceID = .zero, spanID: OTLPSpanID = .zero, traceState: String = "",
        parentSpanID: OTLPSpanID? = nil, name: String = "", kind: Int = Kind.unspecified,
        startTimeUnixNano: UInt64 = 0, endTimeUnixNano: UInt64 = 0, attributes: [OTLPKeyValue] = [],
        droppedAttributesCount: UInt32 = 0, events: [Event] = [], droppedEventsCount: UInt32 = 0,
        links: [Link] = [], droppedLinksCount: UInt32 = 0, status: OTLPStatus = OTLPStatus(), flags: UInt32 = 0
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.traceState = traceState
        self.parentSpanID = parentSpanID
        self.name = name
        self.kind = kind
        self.startTimeUnixNano = startTimeUnixNano
        self.endTimeUnixNano = endTimeUnixNano
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
        self.events = events
        self.droppedEventsCount = droppedEventsCount
        self.links = links
        self.droppedLinksCount = droppedLinksCount
        self.status = status
        self.flags = flags
    }

    /// A timed annotation on a span (`Span.Event`), e.g. a recorded exception.
    public struct Event: Sendable, Equatable {
        public var timeUnixNano: UInt64
        public var name: String
        public var attributes: [OTLPKeyValue]
        public var droppedAttributesCount: UInt32

        /// An event.
        public init(timeUnixNano: UInt64 = 0, name: String = "", attributes: [OTLPKeyValue] = [],
                    droppedAttributesCount: UInt32 = 0) {
            self.timeUnixNano = timeUnixNano
            self.name = name
            self.attributes = attributes
            self.droppedAttributesCount = droppedAttributesCount
        }
    }

    /// A pointer to another span (`Span.Link`).
    public struct Link: Sendable, Equatable {
        public var traceID: OTLPTraceID
        public var spanID: OTLPSpanID
        public var traceState: String
        public var attributes: [OTLPKeyValue]
        public var droppedAttributesCount: UInt32
        public var flags: UInt32

        /// A link.
        public init(traceID: OTLPTraceID = .zero, spanID: OTLPSpanID = .zero, traceState: String = "",
                    attributes: [OTLPKeyValue] = [], droppedAttributesCount: UInt32 = 0, flags: UInt32 = 0) {
            self.traceID = traceID
            self.spanID = spanID
            self.traceState = traceState
            self.attributes = attributes
            self.droppedAttributesCount = droppedAttributesCount
            self.flags = flags
        }
    }

    /// The string attribute `key`.
    public func string(_ key: String) -> String? { attributes.string(key) }

    /// The attribute `key` as an integer: an int, integral double or decimal string.
    public func int(_ key: String) -> Int64? { attributes.int(key) }

    /// The attribute `key` as a double: a double, int or numeric string.
    public func double(_ key: String) -> Double? { attributes.double(key) }

    /// The boolean attribute `key`.
    public func bool(_ key: String) -> Bool? { attributes.bool(key) }

    /// The value of attribute `key`, whatever its type.
    public subscript(attribute key: String) -> OTLPAnyValue? { attributes[attribute: key] }
}

/// A span's outcome (`opentelemetry.proto.trace.v1.Status`).
public struct OTLPStatus: Sendable, Equatable {
    /// `StatusCode` values.
    public enum Code {
        public static let unset = 0, ok = 1, error = 2
    }

    /// A `Code` value.
    public var code: Int
    public var message: String

    /// A status; the default is UNSET with no message.
    public init(code: Int = Code.unset, message: String = "") {
        self.code = code
        self.message = message
    }

    /// True when nothing would be written for it (UNSET, no message).
    public var isDefault: Bool { code == 0 && message.isEmpty }
}
