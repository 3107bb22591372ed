/// The body of an OTLP/HTTP trace export (`ExportTraceServiceRequest`).
///
/// Decode with `init(protobuf:)` or `init(json:)`, encode with `protobuf` or `json`.
public struct OTLPTraceRequest: Sendable, Equatable {
    public var resourceSpans: [OTLPResourceSpans]

    /// A request.
    public init(resourceSpans: [OTLPResourceSpans] = []) {
        self.resourceSpans = resourceSpans
    }

    /// How many spans the request carries, over all resources and scopes.
    public var spanCount: Int {
        resourceSpans.reduce(0) { total, rs in rs.scopeSpans.reduce(total) { $0 + $1.spans.count } }
    }
}

/// The spans one resource (one process) produced (`ResourceSpans`).
public struct OTLPResourceSpans: Sendable, Equatable {
    public var resource: OTLPResource
    public var scopeSpans: [OTLPScopeSpans]
    public var schemaURL: String

    /// Spans of a resource.
    public init(resource: OTLPResource = OTLPResource(), scopeSpans: [OTLPScopeSpans] = [], schemaURL: String = "") {
        self.resource = resource
        self.scopeSpans = scopeSpans
        self.schemaURL = schemaURL
    }
}

/// The process that produced spans (`Resource`): `service.name`, SDK and host attributes.
public struct OTLPResource: Sendable, Equatable {
    public var attributes: [OTLPKeyValue]
    public var droppedAttributesCount: UInt32

    /// A resource.
    public init(attributes: [OTLPKeyValue] = [], droppedAttributesCount: UInt32 = 0) {
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
    }
}

/// The instrumentation library that produced spans (`InstrumentationScope`).
public struct OTLPScope: Sendable, Equatable {
    public var name: String
    public var version: String
    public var attributes: [OTLPKeyValue]
    public var droppedAttributesCount: UInt32

    /// A scope.
    public init(name: String = "", version: String = "", attributes: [OTLPKeyValue] = [],
                droppedAttributesCount: UInt32 = 0) {
        self.name = name
        self.version = version
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
    }
}

/// The spans one instrumentation scope produced (`ScopeSpans`).
public struct OTLPScopeSpans: Sendable, Equatable {
    public var scope: OTLPScope
    public var spans: [OTLPSpan]
    public var schemaURL: String

    /// Spans of a scope.
    public init(scope: OTLPScope = OTLPScope(), spans: [OTLPSpan] = [], schemaURL: String = "") {
        self.scope = scope
        self.spans = spans
        self.schemaURL = schemaURL
    }
}

/// The answer to an export (`ExportTraceServiceResponse`).
///
/// Full success leaves `partialSuccess` nil: an empty protobuf body, or `{}` in JSON.
/// A partial success is still HTTP 200 and must not be retried by the client.
public struct OTLPTraceResponse: Sendable, Equatable {
    /// Spans the server refused, and why.
    public struct PartialSuccess: Sendable, Equatable {
        public var rejectedSpans: Int64
        public var errorMessage: String

        /// A partial success.
        public init(rejectedSpans: Int64 = 0, errorMessage: String = "") {
            self.rejectedSpans = rejectedSpans
            self.errorMessage = errorMessage
        }
    }

    public var partialSuccess: PartialSuccess?

    /// A response; nil means full success.
    public init(partialSuccess: PartialSuccess? = nil) {
        self.partialSuccess = partialSuccess
    }
}
