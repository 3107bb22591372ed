extension OTLPTraceRequest {
    /// Decodes an `application/json` export body (OTLP/JSON).
    ///
    /// Liberal as the spec asks: unknown keys are ignored, `null` means the default, ids are
    /// hex (either case) or base64, 64-bit integers are strings or numbers, enums are
    /// integers or their names (`"SPAN_KIND_SERVER"`), and snake_case keys are accepted too.
    /// - Parameters:
    ///   - json: the (already inflated) body.
    ///   - limits: bounds on spans, attributes and nesting.
    /// - Throws: `OTLPDecodeError.invalidJSON` for malformed text, `.invalidJSONValue` with
    ///   the member's path for a wrong type or value, or a limit error.
    public init(json bytes: some Collection<UInt8>, limits: OTLPDecodeLimits = .standard) throws {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw OTLPDecodeError.invalidJSON("\(error)")
        }
        try self.init(jsonValue: value, limits: limits)
    }

    /// Decodes an already parsed OTLP/JSON document (see `init(json:limits:)`).
    public init(jsonValue: JSONValue, limits: OTLPDecodeLimits = .standard) throws {
        var decoder = OTLPJSONDecoder(limits: limits)
        self = try decoder.request(jsonValue)
    }
}

extension OTLPTraceResponse {
    /// Decodes an OTLP/JSON `ExportTraceServiceResponse` (`{}` or `{"partialSuccess":…}`).
    ///
    /// - Throws: `OTLPDecodeError` for malformed JSON or wrongly typed members.
    public init(json bytes: [UInt8]) throws {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw OTLPDecodeError.invalidJSON("\(error)")
        }
        self.init()
        let members = try OTLPJSONDecoder.object(value)
        for (key, member) in members where key == "partialSuccess" || key == "partial_success" {
            if member.isNull { continue }
            var partial = PartialSuccess()
            for (key, item) in try OTLPJSONDecoder.object(member) {
                switch key {
                case "rejectedSpans", "rejected_spans": partial.rejectedSpans = try OTLPJSONDecoder.int64(item)
                case "errorMessage", "error_message": partial.errorMessage = try OTLPJSONDecoder.string(item)
                default: continue
                }
            }
            partialSuccess = partial
        }
    }
}

/// Turns a parsed OTLP/JSON document into the model, counting against the decode limits
/// (`OTLPDecodeBudget`).
///
/// Errors are thrown with an empty path and get their path prefixed as they unwind
/// (`within`), so a successful decode builds no path strings at all.
struct OTLPJSONDecoder {
    private var budget: OTLPDecodeBudget

    init(limits: OTLPDecodeLimits) { budget = OTLPDecodeBudget(limits) }

    mutating func request(_ value: JSONValue) throws -> OTLPTraceRequest {
        var request = OTLPTraceRequest()
        for (key, member) in try Self.object(value) where key == "resourceSpans" || key == "resource_spans" {
            try within(key) {
                try Self.forEach(member) { i, item in
                    try within(index: i) { request.resourceSpans.append(try resourceSpans(item)) }
                }
            }
        }
        return request
    }

    private mutating func resourceSpans(_ value: JSONValue) throws -> OTLPResourceSpans {
        var result = OTLPResourceSpans()
        for (key, member) in try Self.object(value) {
            try within(key) {
                switch key {
                case "resource":
                    for (key, item) in try Self.object(member) {
                        try within(key) {
                            switch key {
                            case "attributes": try attributes(item, into: &result.resource.attributes)
                            case "droppedAttributesCount", "dropped_attributes_count":
                                result.resource.droppedAttributesCount = try Self.uint32(item)
                            default: break
                            }
                        }
                    }
                case "scopeSpans", "scope_spans":
                    try Self.forEach(member) { i, item in
                        try within(index: i) { result.scopeSpans.append(try scopeSpans(item)) }
                    }
                case "schemaUrl", "schema_url": result.schemaURL = try Self.string(member)
                default: break
                }
            }
        }
        return result
    }

    private mutating func scopeSpans(_ value: JSONValue) throws -> OTLPScopeSpans {
        var result = OTLPScopeSpans()
        for (key, member) in try Self.object(value) {
            try within(key) {
                switch key {
                case "scope":
                    for (key, item) in try Self.object(member) {
                        try within(key) {
                            switch key {
                            case "name": result.scope.name = try Self.string(item)
                            case "version": result.scope.version = try Self.string(item)
                            case "attributes": try attributes(item, into: &result.scope.attributes)
                            case "droppedAttributesCount", "dropped_attributes_count":
                                result.scope.droppedAttributesCount = try Self.uint32(item)
                            default: break
                            }
                        }
                    }
                case "spans":
                    try Self.forEach(member) { i, item in
                        try budget.countSpan()
                        try within(index: i) { result.spans.append(try span(item)) }
                    }
                case "schemaUrl", "schema_url": result.schemaURL = try Self.string(member)
                default: break
                }
            }
        }
        return result
    }

    private mutating func span(_ value: JSONValue) throws -> OTLPSpan {
        var span = OTLPSpan()
        for (key, member) in try Self.object(value) {
            try within(key) {
                switch key {
                case "traceId", "trace_id": span.traceID = try Self.traceID(member)
                case "spanId", "span_id": span.spanID = try Self.spanID(member)
                case "traceState", "trace_state": span.traceState = try Self.string(member)
                case "parentSpanId", "parent_span_id":
                    let parent = try Self.spanID(member)
                    span.parentSpanID = parent.isZero ? nil : parent
                case "name": span.name = try Self.string(member)
                case "kind": span.kind = try Self.enumeration(member, prefix: "SPAN_KIND_", names: Self.spanKinds)
                case "startTimeUnixNano", "start_time_unix_nano": span.startTimeUnixNano = try Self.uint64(member)
                case "endTimeUnixNano", "end_time_unix_nano": span.endTimeUnixNano = try Self.uint64(member)
                case "attributes": try attributes(member, into: &span.attributes)
                case "droppedAttributesCount", "dropped_attributes_count":
                    span.droppedAttributesCount = try Self.uint32(member)
                case "events":
                    try Self.forEach(member) { i, item in
                        try budget.countEvent(joining: span.events.count)
                        try within(index: i) { span.events.append(try event(item)) }
                    }
                case "droppedEventsCount", "dropped_events_count": span.droppedEventsCount = try Self.uint32(member)
                case "links":
                    try Self.forEach(member) { i, item in
                        try budget.countLink(joining: span.links.count)
                        try within(index: i) { span.links.append(try link(item)) }
                    }
                case "droppedLinksCount", "dropped_links_count": span.droppedLinksCount = try Self.uint32(member)
                case "status":
                    for (key, item) in try Self.object(member) {
                        try within(key) {
                            switch key {
                            case "message": span.status.message = try Self.string(item)
                            case "code":
                                span.status.code = try Self.enumeration(item, prefix: "STATUS_CODE_",
                                                                        names: Self.statusCodes)
                            default: break
                            }
                        }
                    }
                case "flags": span.flags = try Self.uint32(member)
                default: break
                }
            }
        }
        return span
    }

    private mutating func event(_ value: JSONValue) throws -> OTLPSpan.Event {
        var event = OTLPSpan.Event()
        for (key, member) in try Self.object(value) {
            try within(key) {
                switch key {
                case "timeUnixNano", "time_unix_nano": event.timeUnixNano = try Self.uint64(member)
                case "name": event.name = try Self.string(member)
                case "attributes": try attributes(member, into: &event.attributes)
                case "droppedAttributesCount", "dropped_attributes_count":
                    event.droppedAttributesCount = try Self.uint32(member)
                default: break
                }
            }
        }
        return event
    }

    private mutating func link(_ value: JSONValue) throws -> OTLPSpan.Link {
        var link = OTLPSpan.Link()
        for (key, member) in try Self.object(value) {
            try within(key) {
                switch key {
                case "traceId", "trace_id": link.traceID = try Self.traceID(member)
                case "spanId", "span_id": link.spanID = try Self.spanID(member)
                case "traceState", "trace_state": link.traceState = try Self.string(member)
                case "attributes": try attributes(member, into: &link.attributes)
                case "droppedAttributesCount", "dropped_attributes_count":
                    link.droppedAttributesCount = try Self.uint32(member)
                case "flags": link.flags = try Self.uint32(member)
                default: break
                }
            }
        }
        return link
    }

    /// Appends a JSON array of KeyValue objects to `list`.
    private mutating func attributes(_ value: JSONValue, into list: inout [OTLPKeyValue], depth: Int = 1) throws {
        try Self.forEach(value) { i, item in
            try budget.countAttribute(joining: list.count)
            try within(index: i) {
                var pair = OTLPKeyValue("", .empty)
                for (key, member) in try Self.object(item) {
                    try within(key) {
                        switch key {
                        case "key": pair.key = try Self.string(member)
                        case "value": pair.value = try anyValue(member, depth: depth)
                        default: break
                        }
                    }
                }
                list.append(pair)
            }
        }
    }

    private mutating func anyValue(_ value: JSONValue, depth: Int) throws -> OTLPAnyValue {
        try budget.checkNesting(depth, offset: 0)
        var result = OTLPAnyValue.empty
        for (key, member) in try Self.object(value) where !member.isNull {
            try within(key) {
                switch key {
                case "stringValue", "string_value": result = .string(try Self.string(member))
                case "boolValue", "bool_value":
                    guard case let .bool(b) = member else { throw Self.wrongType(member, expected: "a boolean") }
                    result = .bool(b)
                case "intValue", "int_value": result = .int(try Self.int64(member))
                case "doubleValue", "double_value": result = .double(try Self.double(member))
                case "bytesValue", "bytes_value": result = .bytes(try Self.bytes(member))
                case "arrayValue", "array_value":
                    var values: [OTLPAnyValue] = []
                    for (key, list) in try Self.object(member) where key == "values" {
                        try within(key) {
                            try Self.forEach(list) { i, item in
                                try budget.countArrayValue(joining: values.count)
                                try within(index: i) { values.append(try anyValue(item, depth: depth + 1)) }
                            }
                        }
                    }
                    result = .array(values)
                case "kvlistValue", "kvlist_value":
                    var pairs: [OTLPKeyValue] = []
                    for (key, list) in try Self.object(member) where key == "values" {
                        try within(key) { try attributes(list, into: &pairs, depth: depth + 1) }
                    }
                    result = .kvlist(pairs)
                default: break
                }
            }
        }
        return result
    }

    // MARK: Paths in errors

    private func within<T>(_ key: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let OTLPDecodeError.invalidJSONValue(path, problem) {
            let joined = path.isEmpty || path.hasPrefix("[") ? key + path : key + "." + path
            throw OTLPDecodeError.invalidJSONValue(path: joined, problem: problem)
        }
    }

    private func within<T>(index: Int, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let OTLPDecodeError.invalidJSONValue(path, problem) {
            let joined = "[\(index)]" + (path.isEmpty || path.hasPrefix("[") ? path : "." + path)
            throw OTLPDecodeError.invalidJSONValue(path: joined, problem: problem)
        }
    }

    // MARK: Scalars

    static let spanKinds = ["UNSPECIFIED": 0, "INTERNAL": 1, "SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5]
    static let statusCodes = ["UNSET": 0, "OK": 1, "ERROR": 2]

    static func wrongType(_ value: JSONValue, expected: String) -> OTLPDecodeError {
        let found: String
        switch value {
        case .null: found = "null"
        case .bool: found = "a boolean"
        case .number: found = "a number"
        case .string: found = "a string"
        case .array: found = "an array"
        case .object: found = "an object"
        }
        return .invalidJSONValue(path: "", problem: "expected \(expected), found \(found)")
    }

    static func badValue(_ problem: String) -> OTLPDecodeError { .invalidJSONValue(path: "", problem: problem) }

    /// An object's members; `null` counts as an empty object (proto3 JSON's default).
    static func object(_ value: JSONValue) throws -> [(String, JSONValue)] {
        switch value {
        case let .object(pairs): return pairs
        case .null: return []
        default: throw wrongType(value, expected: "an object")
        }
    }

    /// Calls `body` with each element of an array (`null` is an empty array).
    static func forEach(_ value: JSONValue, _ body: (Int, JSONValue) throws -> Void) throws {
        switch value {
        case let .array(items): for (i, item) in items.enumerated() { try body(i, item) }
        case .null: return
        default: throw wrongType(value, expected: "an array")
        }
    }

    static func string(_ value: JSONValue) throws -> String {
        switch value {
        case let .string(s): return s
        case .null: return ""
        default: throw wrongType(value, expected: "a string")
        }
    }

    /// The text of a number or of a string holding one (how 64-bit integers travel).
    private static func numberText(_ value: JSONValue) throws -> String? {
        switch value {
        case let .number(text), let .string(text): return text
        case .null: return nil
        default: throw wrongType(value, expected: "a number or a decimal string")
        }
    }

    /// An integer of type `T` from its decimal text or from an exponent form that is integral.
    private static func integer<T: FixedWidthInteger>(_ value: JSONValue, as type: T.Type) throws -> T {
        guard let text = try numberText(value) else { return 0 }
        // In decimal: `Double.init` took `0x10` as 16.
        guard OTLPAnyValue.isDecimal(text) else { throw badValue("\"\(text.prefix(40))\" is not an integer that fits \(T.self)") }
        if let exact = T(text) { return exact }
        if let double = Double(text), double.isFinite, let exact = T(exactly: double) { return exact }
        throw badValue("\"\(text.prefix(40))\" is not an integer that fits \(T.self)")
    }

    static func uint64(_ value: JSONValue) throws -> UInt64 { try integer(value, as: UInt64.self) }
    static func int64(_ value: JSONValue) throws -> Int64 { try integer(value, as: Int64.self) }
    static func uint32(_ value: JSONValue) throws -> UInt32 { try integer(value, as: UInt32.self) }

    /// A double from a number, a numeric string, or "NaN" / "Infinity" / "-Infinity".
    static func double(_ value: JSONValue) throws -> Double {
        guard let text = try numberText(value) else { return 0 }
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard OTLPAnyValue.isDecimal(text), let d = Double(text) else { throw badValue("\"\(text.prefix(40))\" is not a number") }
            return d
        }
    }

    /// An enum as an int32 or as its proto name (with or without `prefix`).
    static func enumeration(_ value: JSONValue, prefix: String, names: [String: Int]) throws -> Int {
        if case let .string(text) = value, Int32(text) == nil {
            let name = text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
            guard let number = names[name] else { throw badValue("unknown enum value \"\(text.prefix(40))\"") }
            return number
        }
        return Int(try integer(value, as: Int32.self))
    }

    static func bytes(_ value: JSONValue) throws -> [UInt8] {
        let text = try string(value)
        guard let bytes = Base64.decode(text) else { throw badValue("bytesValue is not base64") }
        return bytes
    }

    /// A trace id: 32 hex digits (OTLP/JSON) or 24 base64 characters (protobuf's JSON mapping).
    static func traceID(_ value: JSONValue) throws -> OTLPTraceID {
        let text = try string(value)
        if text.isEmpty { return .zero }
        if let id = OTLPTraceID(hex: text) { return id }
        if text.utf8.count == 24, let raw = Base64.decode(text), let id = OTLPTraceID(bytes: raw) { return id }
        throw badValue("\"\(text.prefix(40))\" is not a 32-digit hex trace id")
    }

    /// A span id: 16 hex digits or 12 base64 characters.
    static func spanID(_ value: JSONValue) throws -> OTLPSpanID {
        let text = try string(value)
        if text.isEmpty { return .zero }
        if let id = OTLPSpanID(hex: text) { return id }
        if text.utf8.count == 12, let raw = Base64.decode(text), let id = OTLPSpanID(bytes: raw) { return id }
        throw badValue("\"\(text.prefix(40))\" is not a 16-digit hex span id")
    }
}
