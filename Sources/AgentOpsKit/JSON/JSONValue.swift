/// A JSON document held exactly as written.
///
/// Objects keep their key order (exports read like the API's, and diffs of session
/// files stay stable) and numbers keep their text, so a cost such as `0.0012345678`
/// survives a round trip through the store without passing through `Double`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, as its JSON text (`"42"`, `"-1.5e3"`).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// An object, as ordered key/value pairs.
    case object([(String, JSONValue)])

    /// A number from an integer.
    public static func int<I: BinaryInteger>(_ value: I) -> JSONValue { .number(String(value)) }

    /// A string, or `null` when `value` is nil.
    public static func optionalString(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}

extension JSONValue {
    /// The value of `key` when this is an object (the last one if a key repeats).
    public subscript(key: String) -> JSONValue? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.last(where: { $0.0 == key })?.1
    }

    /// The string this value holds, if it is one.
    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The integer this value holds, if it is an integral number.
    public var intValue: Int? {
        if case let .number(text) = self { return Int(text) }
        return nil
    }

    /// Levels of nesting: 1 for a scalar or an empty container, one more per container
    /// around the deepest value. A value stored `k` levels down in a record must have at
    /// most `JSONParser.maxNesting - k` of them to be read back.
    public var nestingLevels: Int {
        switch self {
        case let .array(items): return 1 + (items.map(\.nestingLevels).max() ?? 0)
        case let .object(pairs): return 1 + (pairs.map(\.1.nestingLevels).max() ?? 0)
        default: return 1
        }
    }

    /// True for `.null`.
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The elements when this is an array.
    public var arrayValue: [JSONValue]? {
        if case let .array(items) = self { return items }
        return nil
    }

}
