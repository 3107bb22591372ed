/// An OTLP attribute value (`opentelemetry.proto.common.v1.AnyValue`).
///
/// `empty` is a present AnyValue with no member of its oneof set, which OTLP reads as
/// "no value"; it differs from `.string("")`, which protobuf still writes.
public enum OTLPAnyValue: Sendable, Equatable {
    case empty
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case array([OTLPAnyValue])
    case kvlist([OTLPKeyValue])
    case bytes([UInt8])

    /// The string, when this is a string value.
    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The value as an integer: an int, an integral double within range, or a decimal
    /// string such as `"50"` (instrumentations disagree on which of these they send). A
    /// string must be a JSON number: `Double.init` read `"0x10"` as 16.
    ///
    /// - Returns: nil for anything else, and for values that do not fit in `Int64`.
    public var intValue: Int64? {
        switch self {
        case let .int(i): return i
        case let .double(d): return Int64(exactly: d)
        case let .string(s): return Self.isDecimal(s) ? Int64(s) ?? Double(s).flatMap { Int64(exactly: $0) } : nil
        default: return nil
        }
    }

    /// The value as a double: a double, an int, or a string that is a JSON number.
    public var doubleValue: Double? {
        switch self {
        case let .double(d): return d
        case let .int(i): return Double(i)
        case let .string(s): return Self.isDecimal(s) ? Double(s) : nil
        default: return nil
        }
    }

    /// Whether `text` is a number in decimal: a JSON number, or one after a `+` (which
    /// Python's and Go's protobuf JSON parsers take). Not hex, `inf`, `nan` or spaces,
    /// which `Double.init` reads.
    static func isDecimal(_ text: String) -> Bool {
        guard text.hasPrefix("+") else { return JSONParser.isNumber(text) }
        return !text.hasPrefix("+-") && JSONParser.isNumber(String(text.dropFirst()))
    }

    /// The boolean, when this is a bool value.
    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }
}

/// One attribute: a key and its value (`opentelemetry.proto.common.v1.KeyValue`).
public struct OTLPKeyValue: Sendable, Equatable {
    public var key: String
    public var value: OTLPAnyValue

    /// An attribute.
    public init(_ key: String, _ value: OTLPAnyValue) {
        self.key = key
        self.value = value
    }
}

extension Array where Element == OTLPKeyValue {
    /// The value of the first attribute named `key` (OTLP keys are unique; the first wins
    /// as in the collector's attribute map).
    public subscript(attribute key: String) -> OTLPAnyValue? {
        for pair in self where pair.key == key { return pair.value }
        return nil
    }

    /// The string attribute `key`, or nil when absent or not a string.
    public func string(_ key: String) -> String? { self[attribute: key]?.stringValue }

    /// The attribute `key` as an integer (see `OTLPAnyValue.intValue`).
    public func int(_ key: String) -> Int64? { self[attribute: key]?.intValue }

    /// The attribute `key` as a double (see `OTLPAnyValue.doubleValue`).
    public func double(_ key: String) -> Double? { self[attribute: key]?.doubleValue }

    /// The boolean attribute `key`.
    public func bool(_ key: String) -> Bool? { self[attribute: key]?.boolValue }
}
